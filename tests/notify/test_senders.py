"""The webhook and Slack senders against a real local HTTP receiver (http.server in a thread)."""

import json
import time
from datetime import datetime

import pytest

from notify import DeliveryError, SlackSender, SwarmNotice, WebhookSender, sign, slack_payload, verify_signature
from ops.stack import free_port
from tests.notify.support import SECRET, Receiver, notice


def test_a_notice_round_trips_through_json_and_refuses_an_unknown_kind():
    original = notice(kind="answer_proposed")
    assert SwarmNotice.from_json(json.loads(json.dumps(original.to_json()))) == original
    assert (
        original.to_json()["recipients"] == ["Eli Expert", "eli@lumora.example"]
        and original.event == "swarm.answer_proposed"
    )
    fresh = SwarmNotice(**{name: value for name, value in notice().to_json().items() if name != "at"})
    assert fresh.at.endswith("Z") and abs(datetime.fromisoformat(fresh.at).timestamp() - time.time()) < 5
    with pytest.raises(ValueError, match="unknown swarm notice kind 'invite'"):
        notice(kind="invite")


def test_the_webhook_posts_signed_json_that_the_receiver_verifies():
    with Receiver(secret=SECRET) as receiver:
        before = int(time.time())
        WebhookSender(receiver.url, SECRET, timeout=5).send(notice(), delivery_id="d-1")
    [got] = receiver.requests
    assert got["verified"] and got["path"] == "/hooks/swarm"
    assert json.loads(got["body"]) == {"event": "swarm.invited", "notice": notice().to_json()}
    headers = {name.lower(): value for name, value in got["headers"].items()}
    assert headers["content-type"] == "application/json"
    assert headers["x-swarmdesk-event"] == "swarm.invited" and headers["x-swarmdesk-delivery"] == "d-1"
    timestamp = headers["x-swarmdesk-timestamp"]
    assert before <= int(timestamp) <= time.time()
    assert headers["x-swarmdesk-signature"] == sign(SECRET, timestamp, got["body"])
    assert headers["x-swarmdesk-signature"].startswith("sha256=") and len(headers["x-swarmdesk-signature"]) == 71

    signature = headers["x-swarmdesk-signature"]
    tampered = got["body"].replace(b"Cam offline", b"Cam offlinE")
    assert not verify_signature(SECRET, timestamp, tampered, signature)
    assert not verify_signature("another-secret", timestamp, got["body"], signature)
    assert not verify_signature(SECRET, int(timestamp) + 1, got["body"], signature)
    assert not verify_signature(SECRET, "not-a-number", got["body"], signature)
    assert not verify_signature(SECRET, timestamp, got["body"], "")


def test_a_signature_older_than_the_tolerance_is_refused():
    body, sent_at = b'{"event": "swarm.closed"}', int(time.time()) - 301
    header = sign(SECRET, sent_at, body)
    assert not verify_signature(SECRET, sent_at, body, header)
    assert verify_signature(SECRET, sent_at, body, header, tolerance_seconds=600)
    assert verify_signature(SECRET, str(sent_at), body.decode(), header, now=sent_at + 300)
    future = int(time.time()) + 400
    assert not verify_signature(SECRET, future, body, sign(SECRET, future, body))


def test_a_webhook_needs_a_secret():
    with pytest.raises(ValueError, match="SWARM_WEBHOOK_SECRET"):
        WebhookSender("http://127.0.0.1:9/hook", "")


def test_slack_gets_escaped_mrkdwn_with_a_link_to_the_room():
    hostile = notice(
        case_subject="<script>alert(1)</script> & <!channel>",
        text="Mia <mia@example.com> says: 2 > 1 & <https://evil.example|click>",
    )
    with Receiver() as receiver:
        SlackSender(receiver.url, timeout=5).send(hostile)
    [got] = receiver.requests
    payload = json.loads(got["body"])
    assert payload == slack_payload(hostile)
    [section] = payload["blocks"]
    assert section["type"] == "section" and section["text"]["type"] == "mrkdwn"
    assert section["text"]["text"].splitlines() == [
        "*CS-10428 · &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;*",
        "Mia &lt;mia@example.com&gt; says: 2 &gt; 1 &amp; &lt;https://evil.example|click&gt;",
        "<https://desk.lumora.example/desk/swarms/7|Open the swarm room>",
    ]
    assert "<script>" not in got["body"].decode() and "<!channel>" not in got["body"].decode()
    assert (
        payload["text"].startswith("CS-10428 · &lt;script&gt;")
        and "&lt;https://evil.example|click&gt;" in payload["text"]
    )
    assert "X-Swarmdesk-Signature" not in got["headers"]


def test_slack_links_only_web_addresses_and_escapes_them():
    text = slack_payload(notice(url="javascript:alert(1)"))["blocks"][0]["text"]["text"]
    assert "Open the swarm room" not in text
    text = slack_payload(notice(url="https://desk.example/r?a=1&b=<2>|x"))["blocks"][0]["text"]["text"]
    assert text.endswith("<https://desk.example/r?a=1&amp;b=&lt;2&gt;%7Cx|Open the swarm room>")


@pytest.mark.parametrize("make", [lambda url: WebhookSender(url, SECRET, 2), lambda url: SlackSender(url, 2)])
def test_nobody_listening_is_a_refused_connection(make):
    url = f"http://127.0.0.1:{free_port()}/T000/B000/XXXXsecretpath"
    with pytest.raises(DeliveryError) as caught:
        make(url).send(notice())
    assert "refused" in caught.value.reason and "127.0.0.1" in caught.value.reason
    assert "secretpath" not in caught.value.reason  # a Slack webhook's path is its secret


@pytest.mark.parametrize("make", [lambda url: WebhookSender(url, SECRET, 2), lambda url: SlackSender(url, 2)])
def test_a_500_is_named_with_an_excerpt_of_the_body(make):
    with Receiver(secret=SECRET, statuses=(500,)) as receiver, pytest.raises(DeliveryError) as caught:
        make(receiver.url).send(notice())
    assert "HTTP 500" in caught.value.reason
    assert "<html> Internal trouble: the database is down </html>" in caught.value.reason
    assert str(caught.value) == caught.value.reason


def test_a_receiver_slower_than_the_timeout_is_a_timeout():
    with Receiver(secret=SECRET, delay=5) as receiver:
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="timeout") as caught:
            WebhookSender(receiver.url, SECRET, timeout=0.3).send(notice())
        assert time.monotonic() - started < 2
    assert "0.3 s" in caught.value.reason and len(receiver.requests) == 1
