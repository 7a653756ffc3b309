"""Senders: a signed JSON webhook and a Slack incoming webhook, both over httpx."""

import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

import httpx

from notify.events import SwarmNotice

EXCERPT_CHARS = 200  # of a refusing receiver's body, in DeliveryError reasons
SLACK_TEXT_CHARS = 2500  # Slack refuses section text over 3,000 characters


class DeliveryError(Exception):
    """A notice could not be delivered; `reason` says why in words (never a secret URL)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def sign(secret: str, timestamp: str | int, body: bytes | str) -> str:
    """The X-Swarmdesk-Signature value: "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>"."""
    raw = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str,
    timestamp: str | int,
    body: bytes | str,
    header: str,
    tolerance_seconds: float = 300,
    now: float | None = None,
) -> bool:
    """True if `header` signs `body` at `timestamp` with `secret` and the timestamp is within the tolerance."""
    try:
        sent_at = int(timestamp)
    except (TypeError, ValueError):
        return False
    if not secret or not header or abs((time.time() if now is None else now) - sent_at) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body).encode(), header.strip().encode())


def _where(url: str) -> str:
    """Host and port of `url`, never its path or query (a Slack webhook's path is its secret)."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def _refused(error: BaseException) -> bool:
    """True if a connect error was a refusal (httpx wraps the OSError a few levels down)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectionRefusedError) or "refused" in str(seen).lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _post(label: str, url: str, body: bytes, headers: dict[str, str], timeout: float) -> None:
    """POST `body`; raise DeliveryError naming `label` unless the receiver answers 2xx."""
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout, follow_redirects=False)
    except httpx.TimeoutException as error:
        raise DeliveryError(f"{label}: timeout, no answer within {timeout:g} s") from error
    except httpx.ConnectError as error:
        what = "connection refused" if _refused(error) else f"could not connect ({error})"
        raise DeliveryError(f"{label}: {what}") from error
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        raise DeliveryError(f"{label}: request failed ({type(error).__name__}: {error})") from error
    if not response.is_success:
        excerpt = " ".join(response.text.split())[:EXCERPT_CHARS]
        raise DeliveryError(f"{label}: answered HTTP {response.status_code}: {excerpt or '(empty body)'}")


class WebhookSender:
    """POSTs {"event": "swarm.<kind>", "notice": {...}} signed with HMAC-SHA256 over "<timestamp>.<body>"."""

    name = "webhook"

    def __init__(self, url: str, secret: str, timeout: float = 5.0) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret to sign its requests (SWARM_WEBHOOK_SECRET)")
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, notice: SwarmNotice, delivery_id: str = "") -> None:
        """Deliver one notice; raises DeliveryError with the reason."""
        body = json.dumps({"event": notice.event, "notice": notice.to_json()}, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Swarmdesk-Notify/1",
            "X-Swarmdesk-Event": notice.event,
            "X-Swarmdesk-Timestamp": timestamp,
            "X-Swarmdesk-Signature": sign(self.secret, timestamp, body),
        }
        if delivery_id:
            headers["X-Swarmdesk-Delivery"] = delivery_id
        _post(f"webhook {_where(self.url)}", self.url, body, headers, self.timeout)


def slack_escape(text: str) -> str:
    """Escape Slack's control characters &, < and > so user text is shown, never parsed as markup."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    """`text` shortened to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_payload(notice: SwarmNotice) -> dict:
    """The incoming-webhook message: a plain fallback and one mrkdwn section (case, sentence, room link)."""
    title = slack_escape(_cut(f"{notice.case_number} · {notice.case_subject}", 200))
    sentence = slack_escape(_cut(notice.text, SLACK_TEXT_CHARS))
    lines = [f"*{title}*", sentence]
    if notice.url.startswith(("https://", "http://")):
        lines.append(f"<{slack_escape(notice.url).replace('|', '%7C')}|Open the swarm room>")
    return {
        "text": f"{title}: {sentence}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)}}],
    }


class SlackSender:
    """Posts notices to one Slack incoming webhook (its URL is the secret: it never appears in reasons)."""

    name = "slack"

    def __init__(self, webhook_url: str, timeout: float = 5.0) -> None:
        self.webhook_url, self.timeout = webhook_url, timeout

    def send(self, notice: SwarmNotice, delivery_id: str = "") -> None:
        """Deliver one notice; raises DeliveryError with the reason."""
        body = json.dumps(slack_payload(notice), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", "User-Agent": "Swarmdesk-Notify/1"}
        _post(f"Slack {_where(self.webhook_url)}", self.webhook_url, body, headers, self.timeout)
