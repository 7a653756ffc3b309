"""Scheduled work: every app worker ticks, the holder of a Redis lock runs the round, so timers run once.

Three rounds: the slow one (SLA breaches, auto-close, email retries, the bot's served counts), the routing
one every second (offer timeouts, widening, agents gone offline, customers gone away, swarm invitations
expiring) and the notification one (webhook and Slack deliveries, whose retries must not hold up routing); and
the analytics round, which brings the roll-ups up to the activity record (`analytics_round`)."""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from redis.exceptions import LockError, RedisError

from analytics.clusters import app_embedder
from analytics.refresh import refresh
from app.listeners.casework import case_service, deliver_emails
from core.db import get_session_factory
from core.redis_client import get_redis, key
from core.settings import Settings
from handoff.desk.queueing import route
from handoff.swarm.flows import expire_invitations
from knowledge.live_index import flush_served_counts
from notify.delivery import deliver_due_notifications

log = logging.getLogger(__name__)


def mark_breaches(settings: Settings) -> int:
    """Flag cases past a service-level target."""
    with get_session_factory()() as session:
        service = case_service(session, settings)
        flagged = service.mark_breaches()
        service.commit()
        return flagged


def auto_close(settings: Settings) -> int:
    """Close cases resolved more than `auto_close_days` ago without a customer reply."""
    with get_session_factory()() as session:
        service = case_service(session, settings)
        closed = service.auto_close(settings.auto_close_days)
        service.commit()
        return closed


Job = Callable[[Settings], int]


@dataclass(frozen=True)
class Round:
    """Jobs run together under one lock, every `interval(settings)` seconds."""

    name: str
    jobs: tuple[Job, ...]
    interval: Callable[[Settings], float]
    hold_seconds: int  # the lock expires after this if its holder dies mid-round


ROUNDS = (
    Round(
        "lock",
        (mark_breaches, auto_close, deliver_emails, flush_served_counts),
        lambda s: s.scheduler_interval_seconds,
        120,
    ),
    Round("router", (route, expire_invitations), lambda s: s.router_interval_seconds, 15),
    Round("notify", (deliver_due_notifications,), lambda s: s.notify_interval_seconds, 60),
)


def analytics_round(knowledge_base) -> Round:
    """Refresh the analytics roll-ups every `analytics_refresh_seconds`, clustering new unanswered questions with
    the embedder of this worker's knowledge base once its index is open (no second copy of the model)."""

    def refresh_analytics(settings: Settings) -> int:
        with get_session_factory()() as session:
            window = timedelta(hours=settings.recontact_window_hours)
            done = refresh(session, window=window, embed=app_embedder(knowledge_base))
            session.commit()
            return done["rows"]

    return Round("analytics", (refresh_analytics,), lambda s: s.analytics_refresh_seconds, 600)


def run_due_jobs(settings: Settings, round_: Round = ROUNDS[0]) -> bool:
    """Run the round's jobs once if this worker gets its lock; False if another worker holds it."""
    lock = get_redis().lock(key("scheduler", round_.name), timeout=round_.hold_seconds)
    try:
        if not lock.acquire(blocking=False):
            return False
    except RedisError as error:
        log.warning("scheduler skipped a round, Redis unavailable: %s", error)
        return False
    try:
        for job in round_.jobs:
            try:
                done = job(settings)
                if done:
                    log.info("scheduler: %s handled %s", job.__name__, done)
            except Exception:
                log.exception("scheduler job %s failed; it runs again next round", job.__name__)
        return True
    finally:
        try:
            lock.release()
        except (LockError, RedisError):
            log.warning("scheduler lock expired before the round ended")


async def run_forever(settings: Settings, round_: Round) -> None:
    """Run the round every interval until cancelled."""
    while True:
        await asyncio.sleep(round_.interval(settings))
        await asyncio.to_thread(run_due_jobs, settings, round_)
