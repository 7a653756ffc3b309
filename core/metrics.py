"""Prometheus metrics (prometheus-client), all in one place, and their text for `/metrics`. With
`PROMETHEUS_MULTIPROC_DIR` set (`make run` sets it), every worker process writes its figures there and a scrape
adds them up."""

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

FAST = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SLOW = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
HUMAN = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

MESSAGES = Counter("swarmdesk_messages", "Chat messages stored, by sender", ["sender"])
HANDOFFS = Counter(
    "swarmdesk_handoffs", "The bot's requests for a person, by reason and outcome", ["reason", "outcome"]
)
BOT_TURNS = Histogram("swarmdesk_bot_turn_seconds", "Time Rasa took to answer a customer message", buckets=SLOW)
SEARCHES = Histogram("swarmdesk_kb_search_seconds", "KB search latency (customers' and the bot's)", buckets=FAST)
REFUSALS = Counter("swarmdesk_rate_limit_refusals", "Requests refused by a rate limit, by what was limited", ["what"])
ERRORS = Counter("swarmdesk_server_errors", "Responses with a 5xx status, by route", ["route"])
OFFERS = Counter(
    "swarmdesk_offers",
    "Offers of a waiting chat to an agent, by how they ended (accepted, declined, timed_out)",
    ["outcome"],
)
QUEUE_WAIT = Histogram(
    "swarmdesk_queue_wait_seconds", "How long a customer waited for a person (handoff to accept)", buckets=HUMAN
)
REINDEX = Histogram(
    "swarmdesk_reindex_seconds",
    "Index updates, by scope (all: a full re-index; article: one article)",
    ["scope"],
    buckets=SLOW,
)
# Figures read when /metrics is scraped (the queue and open swarms live in Redis and the database, shared by
# every worker): name -> (help, reader). The app registers them at start.
_READINGS: dict[str, tuple[str, Callable[[], float]]] = {}


def reading(name: str, documentation: str, read: Callable[[], float]) -> None:
    """Report `read()` as a gauge on every scrape (registering a name again replaces its reader)."""
    _READINGS[name] = (documentation, read)


class _Readings(Collector):
    """The registered readings as gauges; one that fails is left out of that scrape (and logged)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """Read each figure now."""
        for name, (documentation, read) in list(_READINGS.items()):
            try:
                value = float(read())
            except Exception:  # a down Redis or database must not take the other figures with it
                log.warning("metric %s could not be read", name, exc_info=True)
                continue
            yield GaugeMetricFamily(name, documentation, value=value)


READINGS = _Readings()
REGISTRY.register(READINGS)


@contextmanager
def timed(histogram: Histogram) -> Iterator[None]:
    """Observe how long the block took."""
    started = time.perf_counter()
    try:
        yield
    finally:
        histogram.observe(time.perf_counter() - started)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus text format, added up over the workers when there are several; and its type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(READINGS)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


class CountErrors:
    """Pure ASGI middleware: count responses with a 5xx status (and unhandled errors) by route template."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Watch the response's status."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] >= 500:
                ERRORS.labels(_route(scope)).inc()
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            ERRORS.labels(_route(scope)).inc()
            raise


def _route(scope: Scope) -> str:
    """The route template of a request ("/api/conversations/{conversation_id}/messages"), not its ids."""
    route = scope.get("route")
    return getattr(route, "path", "unmatched")
