"""Re-index jobs and cross-worker reloads over a real Redis (database 15, this run's own key prefix)."""

import threading
import time

import pytest
import redis as redis_lib

from retrieval.articles import Article, load_kb
from retrieval.jobs import ReindexJobs, ReindexRunning
from retrieval.retriever import Retriever
from retrieval.sync import IndexWatcher, announce, version_key


@pytest.fixture
def redis_client(redis_url: str):
    """A client on the test database; keys under the run's prefix are deleted by the session fixture."""
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    client.close()


def test_job_reports_progress_and_refuses_a_second_run(built, kb_dir, redis_client, redis_prefix):
    gate = threading.Event()

    def slow_source():
        gate.wait(10)
        return load_kb(kb_dir)

    jobs = ReindexJobs(built, slow_source, redis=redis_client, prefix=f"{redis_prefix}:jobs")
    job_id = jobs.start()
    assert jobs.status(job_id)["state"] == "running"
    with pytest.raises(ReindexRunning) as refused:
        jobs.start()
    assert refused.value.job_id == job_id
    gate.set()
    status = jobs.wait(job_id, timeout=60)
    assert status["state"] == "succeeded" and status["done"] == status["total"]
    assert status["result"]["version"] == built.version
    assert redis_client.get(version_key(f"{redis_prefix}:jobs")).decode() == built.version
    assert jobs.status("unknown") is None
    jobs.wait(jobs.start(), timeout=60)  # the lock was released


def test_watcher_reloads_on_a_redis_announcement(built, embedder, redis_client, redis_prefix):
    other = Retriever.open(built.store.root, embedder=embedder)
    prefix = f"{redis_prefix}:watch"
    watcher = IndexWatcher(other, redis=redis_client, prefix=prefix, interval=30).start()
    try:
        version = built.upsert(Article(id="x-new", title="Night light schedule", body="Set it in the app."))
        announce(redis_client, version, prefix=prefix)
        deadline = time.monotonic() + 5
        while other.version != version and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        watcher.stop()
    assert other.version == version
