"""The bridge to Rasa's REST channel: send a customer's turn, get the bot's replies back."""

from dataclasses import dataclass, field

import httpx

INTENT_PREFIX = "/"
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
    """A small synchronous client of Rasa's REST channel, keeping its connections open (one per app process:
    a new HTTP client per turn spent most of the app's share of a bot turn building a TLS context)."""

    def __init__(self, *, base_url: str, timeout: float = 30.0) -> None:
        self._base = base_url.rstrip("/")
        # Idle connections are dropped after 2 s, before Rasa's server closes them (5 s) under a request.
        self._http = httpx.Client(timeout=timeout, limits=httpx.Limits(keepalive_expiry=2))

    def close(self) -> None:
        """Close the kept connections."""
        self._http.close()

    def send(self, *, sender: str, text: str, metadata: dict | None = None) -> list[BotReply]:
        """Send one turn for conversation `sender`; raises BotUnavailable when the bot cannot answer."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        try:
            response = self._http.post(f"{self._base}/webhooks/rest/webhook", json=body)
            response.raise_for_status()
            replies = parse_replies(response.json())
        except (httpx.HTTPError, ValueError) as error:
            raise BotUnavailable(str(error) or type(error).__name__) from error
        if not replies:
            # Rasa 3.6 answers 200 with no messages when an action fails: treat that as a failure.
            raise BotUnavailable("the bot answered with no messages")
        return replies

    def restart(self, *, sender: str) -> None:
        """Reset the conversation's tracker (no half-filled form, no counters); raises BotUnavailable on failure."""
        url = f"{self._base}/conversations/{sender}/tracker/events"
        try:
            self._http.post(url, json={"event": "restart"}).raise_for_status()
        except httpx.HTTPError as error:
            raise BotUnavailable(str(error) or type(error).__name__) from error
