"""Re-index as a background job with progress, one at a time per index (a Redis lock; a second start is refused)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections.abc import Callable

from redis.exceptions import LockError

from retrieval.articles import Article, ArticleError
from retrieval.build import BuildResult
from retrieval.retriever import Retriever
from retrieval.sync import DEFAULT_PREFIX, announce

Source = Callable[[], tuple[list[Article], list[ArticleError]]]
JOB_TTL = 86_400


class ReindexRunning(Exception):
    """A re-index is already running (the API answers 409); `job_id` is the running one, if known."""

    def __init__(self, job_id: str | None) -> None:
        self.job_id = job_id
        super().__init__(f"a re-index is already running (job {job_id})" if job_id else "a re-index is already running")


class ReindexJobs:
    """Start re-index jobs and report on them; state lives in Redis, so any app worker can answer.

    Args:
        retriever: The retriever whose index is rebuilt (it switches to the new version when done).
        source: Returns (articles, errors), e.g. `lambda: load_kb("kb")`.
        redis: A redis-py client.
        prefix: Key prefix: `<prefix>:index:job:<id>`, `<prefix>:index:reindex-lock`. Defaults to "swarmdesk".
        lock_timeout: Seconds after which a lock left by a crashed worker expires. Defaults to 3600.
        on_done: Called with each finished job's BuildResult (the app times re-indexes with it).
    """

    def __init__(
        self,
        retriever: Retriever,
        source: Source,
        *,
        redis,
        prefix: str = DEFAULT_PREFIX,
        lock_timeout: int = 3600,
        on_done: Callable[[BuildResult], None] | None = None,
    ) -> None:
        self.retriever, self.source, self.redis, self.prefix = retriever, source, redis, prefix
        self.lock_timeout, self.on_done = lock_timeout, on_done
        self._threads: dict[str, threading.Thread] = {}

    def _key(self, job_id: str) -> str:
        return f"{self.prefix}:index:job:{job_id}"

    def start(self) -> str:
        """Start a re-index in a background thread and return its job id.

        Raises:
            ReindexRunning: when another re-index of this index holds the lock.
        """
        lock = self.redis.lock(f"{self.prefix}:index:reindex-lock", timeout=self.lock_timeout, thread_local=False)
        if not lock.acquire(blocking=False):
            running = self.redis.get(f"{self.prefix}:index:reindex-running")
            raise ReindexRunning(running.decode() if isinstance(running, bytes) else running)
        job_id = uuid.uuid4().hex[:16]
        self.redis.set(f"{self.prefix}:index:reindex-running", job_id, ex=self.lock_timeout)
        self._save(
            job_id,
            {"id": job_id, "state": "running", "phase": "loading", "done": 0, "total": 0, "started_at": time.time()},
        )
        thread = threading.Thread(target=self._run, args=(job_id, lock), name=f"reindex-{job_id}", daemon=True)
        self._threads[job_id] = thread
        thread.start()
        return job_id

    def status(self, job_id: str) -> dict | None:
        """{"id", "state": running|succeeded|failed, "phase", "done", "total", "result"?, "error"?}, or None."""
        raw = self.redis.get(self._key(job_id))
        return json.loads(raw) if raw else None

    def wait(self, job_id: str, timeout: float | None = None) -> dict | None:
        """Wait for a job started by this object to finish; returns its status."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self.status(job_id)

    def _save(self, job_id: str, state: dict) -> None:
        self.redis.set(self._key(job_id), json.dumps(state), ex=JOB_TTL)

    def _run(self, job_id: str, lock) -> None:
        """Load the articles, re-index with progress, record the result, release the lock."""
        state = self.status(job_id) or {"id": job_id}
        last = [0.0]

        def progress(phase: str, done: int, total: int) -> None:
            state.update(phase=phase, done=done, total=total)
            if time.monotonic() - last[0] > 0.3 or done == total:
                last[0] = time.monotonic()
                self._save(job_id, state)

        try:
            articles, errors = self.source()
            result = self.retriever.reindex(articles, errors, progress=progress)
            state.update(state="succeeded", result=result.to_dict())
            announce(self.redis, result.version, prefix=self.prefix)
            if self.on_done is not None:
                self.on_done(result)
        except Exception as exc:  # reported through the job's status
            state.update(state="failed", error=str(exc))
        finally:
            state["finished_at"] = time.time()
            self._save(job_id, state)
            self.redis.delete(f"{self.prefix}:index:reindex-running")
            with contextlib.suppress(LockError):  # expired meanwhile: nothing to release
                lock.release()
            self._threads.pop(job_id, None)
