"""The platform's HTTP API as the bot sees it: the bot is a client of Swarmdesk, with a service token."""

import asyncio
import logging
import os
from abc import ABCMeta, abstractmethod
from typing import Any
from urllib.parse import quote

import aiohttp
from rasa_sdk import Action, Tracker

log = logging.getLogger(__name__)
TIMEOUT = aiohttp.ClientTimeout(total=10)
KEEP_ALIVE_SECONDS = 2  # under uvicorn's 5 s: an idle connection is dropped here before the app closes it


class PlatformError(Exception):
    """The platform could not be reached or refused the call; the message says which."""


class NotFound(PlatformError):
    """The platform answered 404."""


def _metadata(tracker: Tracker) -> dict[str, Any]:
    """The metadata the app passed with the customer's latest message (empty when there is none)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def customer_ip(tracker: Tracker) -> str | None:
    """The customer's address, passed by the app as message metadata (it keeps rate limits per customer)."""
    return _metadata(tracker).get("customer_ip")


def customer_language(tracker: Tracker) -> str | None:
    """The conversation's language (en, nl, it, fi), passed by the app as message metadata; None from an app that
    passes none."""
    return _metadata(tracker).get("language")


_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}


def _session() -> aiohttp.ClientSession:
    """This event loop's session, which keeps its connections to the platform open (the action server runs one
    loop; a new session per call cost half a millisecond of each action's call)."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        for stale in [other for other in _sessions if other.is_closed()]:
            del _sessions[stale]
        connector = aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS)
        session = _sessions[loop] = aiohttp.ClientSession(timeout=TIMEOUT, connector=connector)
    return session


async def close_session() -> None:
    """Close this event loop's session (a caller whose loop ends, such as a test, closes it first)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


class Platform:
    """Calls to the Swarmdesk API; every failure becomes PlatformError (and is logged)."""

    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = (base_url or os.environ.get("SWARMDESK_API_URL", "http://127.0.0.1:8000")).rstrip("/")
        self.token = token or os.environ.get("SWARMDESK_SERVICE_TOKEN", "")

    async def _call(self, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
        """One JSON request; raises NotFound on 404 and PlatformError on anything else that is not 2xx."""
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            async with _session().request(method, self.base_url + path, json=body, headers=headers) as response:
                data = await response.json(content_type=None)
                if response.status == 404:
                    raise NotFound(str((data or {}).get("detail", "not found")))
                if response.status >= 300:
                    raise PlatformError(f"{method} {path} answered {response.status}: {data}")
                return data or {}
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            log.warning("platform call %s %s failed: %s", method, path, error)
            raise PlatformError(f"{method} {path} failed: {error}") from error

    async def search(self, tracker: Tracker, query: str, top_k: int = 3) -> dict[str, Any]:
        """The KB search result for the customer's words, in the conversation's language (limited per conversation:
        the app is told which)."""
        body = {"query": query, "top_k": top_k, "conversation_id": tracker.sender_id}
        language = customer_language(tracker)
        return await self._call("POST", "/api/kb/search", body | ({"language": language} if language else {}))

    async def feedback(self, tracker: Tracker, article_id: str, event: str) -> None:
        """Tell the platform this conversation's customer found an article helpful or not, or was shown it without a
        search (`served`): figures on the KB editor page, and a row of the chat's activity record."""
        body = {"event": event, "conversation_id": tracker.sender_id}
        await self._call("POST", f"/api/kb/articles/{article_id}/feedback", body)

    async def is_served(self, tracker: Tracker, article_id: str) -> bool:
        """True while the article is published and answerable in the conversation's language (False once it is
        archived)."""
        language = customer_language(tracker)
        query = f"?language={quote(language, safe='')}" if language else ""
        try:
            await self._call("GET", f"/api/kb/live/{quote(article_id, safe='')}{query}")
        except NotFound:
            return False
        return True

    async def hand_off(self, conversation_id: str, reason: str, packet: dict[str, Any]) -> dict[str, Any]:
        """Ask for a person: {"status": "queued", "position"} or {"status": "no_agent", "why"}."""
        return await self._call(
            "POST", "/api/bot/handoff", {"conversation_id": conversation_id, "reason": reason, "packet": packet}
        )

    async def create_case(self, tracker: Tracker, **fields: Any) -> dict[str, Any]:
        """Open a case for this conversation's customer; returns {"number", "status", "version"}."""
        body = {"conversation_id": tracker.sender_id, "customer_ip": customer_ip(tracker)} | fields
        return await self._call("POST", "/api/cases", body)

    async def lookup_case(self, tracker: Tracker, number: str, email: str | None) -> dict[str, Any]:
        """The customer's view of a case (NotFound for a wrong email or an unknown number alike)."""
        body = {
            "number": number,
            "email": email,
            "conversation_id": tracker.sender_id,
            "customer_ip": customer_ip(tracker),
        }
        return await self._call("POST", "/api/cases/lookup", body)


class PlatformAction(Action, metaclass=ABCMeta):
    """An action that calls the platform through the client it is given, as rasa-sdk's knowledge-base action takes
    its knowledge base; rasa-sdk's executor builds actions without arguments, which gives the real `Platform()`."""

    def __init__(self, platform: Platform | None = None) -> None:
        self.platform = platform or Platform()

    @abstractmethod
    def name(self) -> str:
        """The action's name in the domain."""
