"""Tell other processes about a new index version (Redis key + pub/sub) and reload when one appears."""

from __future__ import annotations

import logging
import threading
import time

from retrieval.retriever import Retriever

log = logging.getLogger(__name__)
DEFAULT_PREFIX = "swarmdesk"


def version_key(prefix: str = DEFAULT_PREFIX) -> str:
    """The Redis key holding the live index version: `<prefix>:index:version`."""
    return f"{prefix}:index:version"


def channel(prefix: str = DEFAULT_PREFIX) -> str:
    """The pub/sub channel announcing new versions: `<prefix>:index`."""
    return f"{prefix}:index"


def announce(redis, version: str, *, prefix: str = DEFAULT_PREFIX) -> None:
    """Store the new version under `<prefix>:index:version` and publish it on `<prefix>:index`."""
    redis.set(version_key(prefix), version)
    redis.publish(channel(prefix), version)


class IndexWatcher:
    """Reload a retriever when its index changes: woken by Redis pub/sub if given, else by polling `CURRENT`.

    Args:
        retriever: The retriever to keep current.
        redis: A redis-py client, or None to poll the pointer file only.
        prefix: Key prefix of the version key and channel. Defaults to "swarmdesk".
        interval: Seconds between checks of the pointer file (also with Redis, as a safety net). Defaults to 2.0.
    """

    def __init__(
        self, retriever: Retriever, *, redis=None, prefix: str = DEFAULT_PREFIX, interval: float = 2.0
    ) -> None:
        self.retriever, self.redis, self.prefix, self.interval = retriever, redis, prefix, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pubsub = None

    def check(self) -> bool:
        """Reload now if the live version changed; True if it did. Errors are logged, never raised."""
        try:
            return self.retriever.reload()
        except Exception:  # a reader must keep serving the version it has
            log.exception("could not reload the index %s", self.retriever.store.root)
            return False

    def start(self) -> IndexWatcher:
        """Start watching in a daemon thread (subscribed before it returns)."""
        if self.redis is not None:
            self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(channel(self.prefix))
        self._thread = threading.Thread(target=self._run, name="index-watcher", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching and close the subscription."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._pubsub is not None:
            self._pubsub.close()

    def _run(self) -> None:
        """Check on every announcement, and on the pointer file every `interval` seconds."""
        due = time.monotonic() + self.interval
        while not self._stop.is_set():
            announced = False
            if self._pubsub is None:
                self._stop.wait(min(self.interval, 0.5))
            else:
                try:
                    announced = self._pubsub.get_message(timeout=min(self.interval, 0.5)) is not None
                except Exception:
                    log.warning("index watcher lost Redis; polling %s instead", self.retriever.store.root)
                    self._pubsub = None
            if not self._stop.is_set() and (announced or time.monotonic() >= due):
                self.check()
                due = time.monotonic() + self.interval
