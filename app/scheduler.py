"""Scheduled work: every app worker ticks, the holder of a Redis lock runs the round, so timers run once.

Two rounds: the slow one (SLA breaches, auto-close, email retries) and the routing one every second
(offer timeouts, widening, agents gone offline, customers gone away)."""

import asyncio
import logging
from collections.abc import Callable

from redis.exceptions import LockError, RedisError

from app.casework import deliver_emails, sla_policy
from app.db import get_session_factory
from app.queueing import route
from app.redis_client import get_redis, key
from app.settings import Settings
from cases import CaseService

log = logging.getLogger(__name__)


def mark_breaches(settings: Settings) -> int:
    """Flag cases past a service-level target."""
    with get_session_factory()() as session:
        service = CaseService(session, policy=sla_policy(settings))
        flagged = service.mark_breaches()
        service.commit()
        return flagged


def auto_close(settings: Settings) -> int:
    """Close cases resolved more than `auto_close_days` ago without a customer reply."""
    with get_session_factory()() as session:
        service = CaseService(session, policy=sla_policy(settings))
        closed = service.auto_close(settings.auto_close_days)
        service.commit()
        return closed


Job = Callable[[Settings], int]
JOBS: tuple[Job, ...] = (mark_breaches, auto_close, deliver_emails)
ROUTING_JOBS: tuple[Job, ...] = (route,)


def run_due_jobs(settings: Settings, jobs: tuple[Job, ...] = JOBS, name: str = "lock", hold_seconds: int = 120) -> bool:
    """Run every job once if this worker gets the lock `name` (expiring after `hold_seconds` if it dies)."""
    lock = get_redis().lock(key("scheduler", name), timeout=hold_seconds)
    try:
        if not lock.acquire(blocking=False):
            return False
    except RedisError as error:
        log.warning("scheduler skipped a round, Redis unavailable: %s", error)
        return False
    try:
        for job in jobs:
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


async def run_forever(settings: Settings) -> None:
    """Tick every `scheduler_interval_seconds` until cancelled."""
    while True:
        await asyncio.sleep(settings.scheduler_interval_seconds)
        await asyncio.to_thread(run_due_jobs, settings)


async def route_forever(settings: Settings) -> None:
    """Run the routing round every `router_interval_seconds` until cancelled."""
    while True:
        await asyncio.sleep(settings.router_interval_seconds)
        await asyncio.to_thread(run_due_jobs, settings, ROUTING_JOBS, "router", 15)
