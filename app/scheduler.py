"""Scheduled work (SLA breaches, auto-close, email retries): every app worker ticks, the lock holder runs."""

import asyncio
import logging
from collections.abc import Callable

from redis.exceptions import LockError, RedisError

from app.casework import deliver_emails, sla_policy
from app.db import get_session_factory
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


JOBS: tuple[Callable[[Settings], int], ...] = (mark_breaches, auto_close, deliver_emails)


def run_due_jobs(settings: Settings) -> bool:
    """Run every job once if this worker gets the scheduler lock; False if another worker holds it."""
    lock = get_redis().lock(key("scheduler", "lock"), timeout=max(60, int(settings.scheduler_interval_seconds * 4)))
    try:
        if not lock.acquire(blocking=False):
            return False
    except RedisError as error:
        log.warning("scheduler skipped a round, Redis unavailable: %s", error)
        return False
    try:
        for job in JOBS:
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
