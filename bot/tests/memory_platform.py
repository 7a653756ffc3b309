"""A small in-memory platform for fast action tests: scripted answers, recorded calls, a switch to go down."""

from typing import Any

from rasa_sdk import Tracker

from bot.actions.platform import NotFound, PlatformError


class MemoryPlatform:
    """The methods of `bot.actions.platform.Platform`, answered from what the test put in."""

    def __init__(self) -> None:
        self.search_results: dict[str, dict[str, Any]] = {}  # query -> search result (default: nothing found)
        self.handoff_answer: dict[str, Any] = {"status": "queued", "position": 1}
        self.cases: dict[str, dict[str, Any]] = {}  # number -> {"email", "view"}
        self.calls: list[tuple[str, Any]] = []
        self.archived: set[str] = set()  # article ids no longer served
        self.down = False

    def _called(self, name: str, detail: Any) -> None:
        """Record a call; PlatformError while the platform is down."""
        self.calls.append((name, detail))
        if self.down:
            raise PlatformError(f"{name}: the platform is down")

    async def search(self, tracker: Tracker, query: str, top_k: int = 3) -> dict[str, Any]:
        """The scripted result for `query`, else an unanswerable one."""
        self._called("search", query)
        empty = {"query": query, "answerable": False, "confidence": 0.0, "hits": [], "threshold": 0.5}
        return self.search_results.get(query, empty)

    async def feedback(self, tracker: Tracker, article_id: str, event: str) -> None:
        """Record a served, helpful or not-helpful report."""
        self._called("feedback", (article_id, event))

    async def is_served(self, tracker: Tracker, article_id: str) -> bool:
        """False for an article the test archived."""
        self._called("is_served", article_id)
        return article_id not in self.archived

    async def hand_off(self, conversation_id: str, reason: str, packet: dict[str, Any]) -> dict[str, Any]:
        """Record the request for a person; the scripted answer."""
        self._called("hand_off", reason)
        return self.handoff_answer

    async def create_case(self, tracker: Tracker, **fields: Any) -> dict[str, Any]:
        """Open a case with the next number."""
        self._called("create_case", fields)
        number = f"CS-{10001 + len(self.cases)}"
        view = {
            "number": number,
            "subject": fields.get("subject", ""),
            "status": "new",
            "status_text": "we have it and will pick it up soon.",
        }
        self.cases[number] = {"email": fields.get("customer_email"), "view": view}
        return {"number": number, "status": "new", "version": 1}

    async def lookup_case(self, tracker: Tracker, number: str, email: str | None) -> dict[str, Any]:
        """The case's view if the email matches; NotFound otherwise, as the platform answers."""
        self._called("lookup_case", number)
        case = self.cases.get(number)
        if case is None or case["email"] != email:
            raise NotFound("no such case for this email")
        return case["view"]
