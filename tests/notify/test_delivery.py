"""Swarm notifications queued in the real Redis (a key prefix per test) and delivered to real local receivers."""

import logging
import threading
import time
import uuid

import pytest
import redis

from ops.stack import free_port
from tests.conftest import app_client
from tests.notify.support import SECRET, Receiver, notice


@pytest.fixture
def configure(app_env, monkeypatch, redis_url, redis_prefix):
    """Set notification settings on top of app_env, under a Redis prefix of this test's own; returns Settings."""
    from core.settings import get_settings

    prefix = f"{redis_prefix}:notify{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("REDIS_PREFIX", prefix)

    def apply(**env):
        for name, value in env.items():
            monkeypatch.setenv(name.upper(), str(value))
        get_settings.cache_clear()
        return get_settings()

    apply()
    yield apply
    client = redis.Redis.from_url(redis_url)
    for name in client.scan_iter(f"{prefix}:*"):
        client.delete(name)


def delivery(delivery_id: str) -> dict:
    """The stored delivery record."""
    from core.redis_client import get_redis, key

    return get_redis().hgetall(key("notify", "delivery", delivery_id))


def due_at(delivery_id: str) -> float | None:
    """When the delivery is due next (None once sent or failed)."""
    from core.redis_client import get_redis, key

    return get_redis().zscore(key("notify", "due"), delivery_id)


def test_configured_senders_are_only_those_set(configure):
    from notify import SlackSender, WebhookSender
    from notify.delivery import configured_senders

    assert configured_senders(configure()) == {}
    senders = configured_senders(
        configure(
            swarm_webhook_url="https://hooks.example/swarm", swarm_webhook_secret=SECRET, notify_timeout_seconds=3
        )
    )
    assert isinstance(senders["webhook"], WebhookSender) and senders["webhook"].timeout == 3
    senders = configured_senders(configure(slack_webhook_url="https://hooks.slack.com/services/T/B/x"))
    assert set(senders) == {"webhook", "slack"} and isinstance(senders["slack"], SlackSender)


def test_a_webhook_url_without_a_secret_is_refused_naming_the_setting(configure, monkeypatch):
    from core.settings import Settings
    from notify.delivery import configured_senders

    with pytest.raises(ValueError, match="SWARM_WEBHOOK_SECRET"):
        Settings(swarm_webhook_url="https://hooks.example/swarm", swarm_webhook_secret=" ")
    unchecked = configure().model_copy(update={"swarm_webhook_url": "https://hooks.example/swarm"})
    with pytest.raises(ValueError, match="SWARM_WEBHOOK_SECRET"):
        configured_senders(unchecked)
    refused = pytest.raises(ValueError, match="SWARM_WEBHOOK_SECRET")
    with refused, app_client(monkeypatch, swarm_webhook_url="https://hooks.example/swarm"):  # the app refuses to start
        pass
    configure(swarm_webhook_url="")  # app_env's teardown reads the settings again


def test_a_notice_is_queued_once_per_sender_and_delivered_to_each(configure):
    from notify.delivery import deliver_due_notifications, queue_notice

    with Receiver(secret=SECRET) as hook, Receiver() as slack:
        settings = configure(swarm_webhook_url=hook.url, swarm_webhook_secret=SECRET, slack_webhook_url=slack.url)
        now = time.time()
        ids = queue_notice(notice(), settings, now=now)
        assert len(ids) == 2
        records = [delivery(i) for i in ids]
        assert {r["sender"] for r in records} == {"webhook", "slack"}
        assert all(r["status"] == "pending" and r["attempts"] == "0" and due_at(r["id"]) == now for r in records)
        assert deliver_due_notifications(settings, now=now) == 2
        assert deliver_due_notifications(settings, now=now + 600) == 0
    [got] = hook.requests
    assert got["verified"] and got["headers"]["X-Swarmdesk-Delivery"] in ids
    assert len(slack.requests) == 1
    assert all(delivery(i)["status"] == "sent" and due_at(i) is None for i in ids)


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(configure, caplog):
    from notify.delivery import deliver_due_notifications, queue_notice

    with Receiver(secret=SECRET, statuses=(503, 500)) as hook:
        settings = configure(swarm_webhook_url=hook.url, swarm_webhook_secret=SECRET, notify_max_attempts=6)
        start = time.time()
        [delivery_id] = queue_notice(notice(kind="joined"), settings, now=start)

        with caplog.at_level(logging.WARNING, logger="notify.delivery"):
            assert deliver_due_notifications(settings, now=start) == 0
        first_retry = due_at(delivery_id)
        assert start + 2 <= first_retry <= start + 2.2  # 2 s, plus at most 10 % jitter
        record = delivery(delivery_id)
        assert record["status"] == "pending" and record["attempts"] == "1" and "HTTP 503" in record["last_error"]
        assert "attempt 1 of 6" in caplog.text and "HTTP 503" in caplog.text

        assert deliver_due_notifications(settings, now=start + 1.9) == 0 and len(hook.requests) == 1  # not yet due
        assert deliver_due_notifications(settings, now=first_retry) == 0
        second_retry = due_at(delivery_id)
        assert first_retry + 4 <= second_retry <= first_retry + 4.4  # then 4 s
        assert delivery(delivery_id)["attempts"] == "2" and "HTTP 500" in delivery(delivery_id)["last_error"]

        assert deliver_due_notifications(settings, now=second_retry - 0.1) == 0 and len(hook.requests) == 2
        assert deliver_due_notifications(settings, now=second_retry) == 1
    record = delivery(delivery_id)
    assert record["status"] == "sent" and record["attempts"] == "3" and record["last_error"] == ""
    assert due_at(delivery_id) is None
    assert [r["verified"] for r in hook.requests] == [True, True, True]
    assert {r["headers"]["X-Swarmdesk-Delivery"] for r in hook.requests} == {delivery_id}


def test_backoff_doubles_and_is_capped_at_five_minutes():
    from notify.delivery import backoff_seconds

    for attempts, base in [(1, 2), (2, 4), (3, 8), (8, 256), (9, 300), (30, 300)]:
        waits = [backoff_seconds(attempts) for _ in range(50)]
        assert all(base <= wait <= base * 1.1 for wait in waits), (attempts, waits)


def test_a_receiver_that_always_fails_ends_as_failed_and_is_listed(configure, caplog):
    from core.redis_client import get_redis, key
    from notify.delivery import deliver_due_notifications, queue_notice, recent_failures

    port = free_port()  # nothing listens here
    settings = configure(
        swarm_webhook_url=f"http://127.0.0.1:{port}/h", swarm_webhook_secret=SECRET, notify_max_attempts=3
    )
    now = time.time()
    [delivery_id] = queue_notice(notice(kind="closed"), settings, now=now)
    with caplog.at_level(logging.WARNING, logger="notify.delivery"):
        for _ in range(3):
            assert deliver_due_notifications(settings, now=now) == 0
            now = due_at(delivery_id) or now
    record = delivery(delivery_id)
    assert record["status"] == "failed" and record["attempts"] == "3" and "refused" in record["last_error"]
    assert due_at(delivery_id) is None and deliver_due_notifications(settings, now=now + 3600) == 0
    assert 6 * 24 * 3600 < get_redis().ttl(key("notify", "delivery", delivery_id)) <= 7 * 24 * 3600
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert delivery_id in error.getMessage() and "after 3 attempts" in error.getMessage()
    assert "refused" in error.getMessage()
    assert sum(r.levelno == logging.WARNING for r in caplog.records) == 2

    [failure] = recent_failures()
    assert failure["id"] == delivery_id and failure["sender"] == "webhook" and failure["event"] == "swarm.closed"
    assert failure["case_number"] == "CS-10428" and failure["swarm_id"] == 7 and failure["attempts"] == 3
    assert (
        "refused" in failure["last_error"]
        and failure["failed_at"]
        and failure["notice"] == notice(kind="closed").to_json()
    )
    assert recent_failures(limit=0) == [failure]


def test_recent_failures_are_newest_first_and_limited(configure):
    from notify.delivery import deliver_due_notifications, queue_notice, recent_failures

    settings = configure(
        swarm_webhook_url=f"http://127.0.0.1:{free_port()}/h", swarm_webhook_secret=SECRET, notify_max_attempts=1
    )
    ids, start = [], time.time()
    for number in range(3):
        [delivery_id] = queue_notice(notice(case_number=f"CS-1000{number}"), settings, now=start + number)
        deliver_due_notifications(settings, now=start + number)
        ids.append(delivery_id)
    assert [f["id"] for f in recent_failures(limit=2)] == [ids[2], ids[1]]
    assert [f["case_number"] for f in recent_failures()] == ["CS-10002", "CS-10001", "CS-10000"]


def test_two_workers_delivering_at_once_send_each_notice_once(configure):
    from notify.delivery import deliver_due_notifications, queue_notice

    with Receiver(secret=SECRET, delay=0.05) as hook:
        settings = configure(swarm_webhook_url=hook.url, swarm_webhook_secret=SECRET)
        now = time.time()
        ids = [queue_notice(notice(swarm_id=n), settings, now=now)[0] for n in range(12)]
        start, sent = threading.Barrier(2), []

        def worker():
            start.wait()
            sent.append(deliver_due_notifications(settings, now=now))

        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sum(sent) == 12
    assert sorted(r["headers"]["X-Swarmdesk-Delivery"] for r in hook.requests) == sorted(ids)
    assert all(delivery(i)["status"] == "sent" and delivery(i)["attempts"] == "1" for i in ids)


def test_a_sender_removed_from_the_settings_fails_its_deliveries(configure):
    from notify.delivery import deliver_due_notifications, queue_notice

    settings = configure(slack_webhook_url="http://127.0.0.1:9/x")
    [delivery_id] = queue_notice(notice(), settings, now=1000.0)
    assert deliver_due_notifications(configure(slack_webhook_url="", notify_max_attempts=1), now=1000.0) == 0
    assert delivery(delivery_id)["status"] == "failed"
    assert "no longer configured" in delivery(delivery_id)["last_error"]


def test_nothing_configured_queues_nothing(configure):
    from notify.delivery import deliver_due_notifications, queue_notice

    settings = configure()
    assert queue_notice(notice(), settings) == []
    assert deliver_due_notifications(settings) == 0


def test_queueing_while_redis_is_down_logs_and_goes_on(configure, caplog):
    from core.redis_client import get_redis
    from notify.delivery import queue_notice

    settings = configure(
        redis_url=f"redis://127.0.0.1:{free_port()}/15",
        swarm_webhook_url="https://hooks.example/s",
        swarm_webhook_secret=SECRET,
    )
    get_redis.cache_clear()
    with caplog.at_level(logging.WARNING, logger="notify.delivery"):
        assert queue_notice(notice(), settings) == []
    assert "not queued, Redis unavailable" in caplog.text and "swarm.invited" in caplog.text
