"""The bridge to Rasa's REST channel: send a customer's turn, get the bot's replies back."""

import logging
import threading
import time
import zlib
from dataclasses import dataclass, field

import httpx

log = logging.getLogger(__name__)

INTENT_PREFIX = "/"
CONNECT_SECONDS = 3.0  # a Rasa server that does not accept a connection this fast counts as down
# A word joiner is not whitespace, so Rasa's `strip()` keeps it and never reads the text as "/intent".
_NO_INTENT_MARK = "\u2060"


class BotUnavailable(Exception):
    """Rasa did not answer, answered with an error, or answered with nothing."""


@dataclass
class BotReply:
    """One bot message: text plus optional quick-reply buttons and links."""

    text: str
    buttons: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)


def as_rasa_text(text: str) -> str:
    """Make free text safe to send: text starting with "/" must never reach Rasa as an intent."""
    return _NO_INTENT_MARK + text if text.strip().startswith(INTENT_PREFIX) else text


def parse_replies(items: list[dict]) -> list[BotReply]:
    """Turn the REST channel's output into bot messages; a links-only item attaches to the message before it."""
    replies: list[BotReply] = []
    for item in items:
        links = [
            {"title": str(link["title"]), "url": str(link["url"])}
            for link in (item.get("custom") or {}).get("links", [])
            if isinstance(link, dict) and link.get("title") and link.get("url")
        ]
        buttons = [
            {"title": str(b["title"]), "payload": str(b["payload"])}
            for b in item.get("buttons") or []
            if b.get("title") and b.get("payload")
        ]
        text = item.get("text") or ""
        if not text and links and replies:
            replies[-1].links.extend(links)
        elif text or buttons or links:
            replies.append(BotReply(text=text, buttons=buttons, links=links))
    return replies


class RasaClient:
    """A small synchronous client of one or more Rasa servers' REST channel, keeping its connections open (one per
    app process: a new HTTP client per turn spent most of the app's share of a bot turn building a TLS context).

    Each conversation goes to one server, chosen by a stable hash of its id, so every app worker sends it to the
    same server and that server's caches stay warm; the shared Redis lock store keeps its turns in order anyway.
    When that server cannot take the turn the next one is asked, and a server that failed is tried only as a last
    resort for `cooldown_seconds`. A turn is tried again elsewhere only when it certainly did not run (the
    connection could not be opened) or the server said it failed (a 5xx, or Rasa 3.6's empty reply when an action
    failed); a turn that reached a server and then timed out or lost its connection may have run, so it is not sent
    twice: the customer is told the bot is unavailable, and the server is skipped for the cooldown.
    """

    def __init__(
        self,
        *,
        base_url: str | None = None,
        base_urls: list[str] | None = None,
        timeout: float = 30.0,
        cooldown_seconds: float = 5.0,
    ) -> None:
        """`base_urls` (or the single `base_url`): the Rasa servers, all sharing one tracker and lock store."""
        urls = list(base_urls or ([base_url] if base_url else []))
        if not urls:
            raise ValueError("RasaClient needs at least one Rasa server URL")
        self.servers = [url.rstrip("/") for url in urls]
        self._cooldown = cooldown_seconds
        self._failed_until: dict[str, float] = {}
        self._lock = threading.Lock()
        # Idle connections are dropped after 2 s, before Rasa's server closes them (5 s) under a request; a server
        # that does not accept a connection within CONNECT_SECONDS counts as down (the turn was not sent).
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_SECONDS)),
            limits=httpx.Limits(keepalive_expiry=2),
        )

    def close(self) -> None:
        """Close the kept connections."""
        self._http.close()

    def order(self, sender: str) -> list[str]:
        """The servers to ask for conversation `sender`, in turn: its own first, those cooling down after a failure
        last."""
        start = zlib.crc32(sender.encode()) % len(self.servers)  # stable across processes, unlike hash()
        ring = self.servers[start:] + self.servers[:start]
        now = time.monotonic()
        with self._lock:
            cooling = {url for url in ring if self._failed_until.get(url, 0.0) > now}
        return [url for url in ring if url not in cooling] + [url for url in ring if url in cooling]

    def send(self, *, sender: str, text: str, metadata: dict | None = None) -> list[BotReply]:
        """Send one turn for conversation `sender`; raises BotUnavailable when no server can answer it."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        return self._each_server(sender, lambda base: self._turn(base, body), retry_unsure=False)

    def restart(self, *, sender: str) -> None:
        """Reset the conversation's tracker (no half-filled form, no counters); raises BotUnavailable on failure.

        A reset done twice is the same reset, so it is tried on the next server after any failure."""
        self._each_server(sender, lambda base: self._restart(base, sender), retry_unsure=True)

    def _each_server(self, sender: str, call, *, retry_unsure: bool):
        """Run `call(base_url)` on the conversation's servers in order until one succeeds."""
        errors: list[str] = []
        for base in self.order(sender):
            try:
                result = call(base)
            except _Failed as failure:
                self._mark_failed(base, failure.reason)
                errors.append(f"{base}: {failure.reason}")
                if failure.unsure and not retry_unsure:
                    break
                continue
            with self._lock:
                self._failed_until.pop(base, None)
            return result
        raise BotUnavailable("; ".join(errors))

    def _mark_failed(self, base: str, reason: str) -> None:
        """Skip `base` (but as a last resort) for the cooldown."""
        log.warning("Rasa server %s failed (%s); skipping it for %.0f s", base, reason, self._cooldown)
        with self._lock:
            self._failed_until[base] = time.monotonic() + self._cooldown

    def _post(self, url: str, body: dict) -> httpx.Response:
        """POST `body`; a 5xx or a connection that never opened is a sure failure, anything else after sending an
        unsure one."""
        try:
            response = self._http.post(url, json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise _Failed(_reason(error), unsure=False) from error
        except httpx.HTTPError as error:
            raise _Failed(_reason(error), unsure=True) from error
        if response.is_server_error:
            raise _Failed(f"HTTP {response.status_code}", unsure=False)
        if not response.is_success:
            raise _Failed(f"HTTP {response.status_code}", unsure=True)
        return response

    def _turn(self, base: str, body: dict) -> list[BotReply]:
        """One turn on one server."""
        response = self._post(f"{base}/webhooks/rest/webhook", body)
        try:
            replies = parse_replies(response.json())
        except (ValueError, AttributeError, TypeError) as error:
            raise _Failed(f"unreadable reply: {_reason(error)}", unsure=True) from error
        if not replies:
            # Rasa 3.6 answers 200 with no messages when an action fails: treat that as a failure.
            raise _Failed("the bot answered with no messages", unsure=False)
        return replies

    def _restart(self, base: str, sender: str) -> None:
        """Append a restart event to the conversation's tracker through one server."""
        self._post(f"{base}/conversations/{sender}/tracker/events", {"event": "restart"})


class _Failed(Exception):
    """One server did not do it; `unsure`: the request reached it, so it may have run."""

    def __init__(self, reason: str, *, unsure: bool) -> None:
        super().__init__(reason)
        self.reason, self.unsure = reason, unsure


def _reason(error: Exception) -> str:
    """A short description of an error."""
    return str(error) or type(error).__name__
