"""Answers from the knowledge base, and what the customer's "did this help?" sets off."""

import contextlib
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.handoff import hand_off
from bot.actions.platform import Platform, PlatformError

FEEDBACK_BUTTONS = [{"title": "Yes", "payload": "/helpful"}, {"title": "No", "payload": "/not_helpful"}]
NOT_FOUND_BUTTONS = [
    {"title": "Ask in other words", "payload": "/rephrase"},
    {"title": "Talk to a person", "payload": "/request_human"},
]
NOT_FOUND_TEXT = (
    "I couldn't find an answer to that in our help centre. You can ask in other words, or I can get you a person."
)
NEXT_TEXT = "Sorry about that. Maybe this one helps:"
GIVE_UP_TEXT = "Sorry that didn't help."
MAX_MISSES = 2  # unanswerable questions in a row before a person takes over
MIN_QUESTION_WORDS = 3  # "k", "yeah", "ah right" are acknowledgements the classifier missed, not questions
MAX_NOT_HELPFUL = 2  # "No" answers in a conversation before a person takes over


def _offer(dispatcher: CollectingDispatcher, hit: dict[str, Any]) -> None:
    """A short answer from the article, its title as a link, and "Did this answer your question?"."""
    dispatcher.utter_message(text=hit["snippet"], json_message={"links": [{"title": hit["title"], "url": hit["url"]}]})
    dispatcher.utter_message(text="Did this answer your question?", buttons=FEEDBACK_BUTTONS)


def _count(tracker: Tracker, slot: str) -> int:
    """A counter slot as an int."""
    return int(tracker.get_slot(slot) or 0)


async def _record(tracker: Tracker, event: str) -> None:
    """Count a Yes or No for the article last offered; a failure only loses the count (it is logged)."""
    hits = tracker.get_slot("kb_hits") or []
    position = _count(tracker, "kb_position")
    if position < len(hits):
        with contextlib.suppress(PlatformError):  # Platform logged it; the reply matters more than the figure
            await Platform().feedback(hits[position]["article_id"], event)


class ActionAnswerFromKb(Action):
    """Search the KB for the customer's words; answer when the search is confident, else say so (then hand off)."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_from_kb"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Answer with the best article, else say so; the second miss in a row (of 3+ words each) hands off."""
        query = (tracker.latest_message or {}).get("text") or ""
        try:
            result = await Platform().search(query)
        except PlatformError:
            return await hand_off(dispatcher, tracker, "bot_unavailable")
        threshold = float(result.get("threshold", 0.5))
        hits = [
            {k: hit[k] for k in ("article_id", "title", "url", "snippet", "score", "tags")}
            for hit in result.get("hits", [])
            if hit["score"] >= threshold
        ]
        if result.get("answerable") and hits:
            _offer(dispatcher, hits[0])
            return [SlotSet("kb_hits", hits), SlotSet("kb_position", 0), SlotSet("kb_misses", 0)]
        is_question = len(re.findall(r"\w+", query)) >= MIN_QUESTION_WORDS
        misses = _count(tracker, "kb_misses") + int(is_question)
        if misses >= MAX_MISSES:
            return [SlotSet("kb_misses", 0)] + await hand_off(dispatcher, tracker, "kb_unanswerable")
        dispatcher.utter_message(text=NOT_FOUND_TEXT, buttons=NOT_FOUND_BUTTONS)
        return [SlotSet("kb_misses", misses)]


class ActionKbHelpful(Action):
    """The customer said the answer helped."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_kb_helpful"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Say so, count it for the article, and reset the miss counter."""
        dispatcher.utter_message(response="utter_glad")
        await _record(tracker, "helpful")
        return [SlotSet("kb_misses", 0)]


class ActionKbNotHelpful(Action):
    """The customer said the answer did not help: the next answerable article, else a person."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_kb_not_helpful"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Offer the next article once; a second "No" in the conversation, or no next article, hands off."""
        await _record(tracker, "not_helpful")
        not_helpful = _count(tracker, "kb_not_helpful") + 1
        hits = tracker.get_slot("kb_hits") or []
        position = _count(tracker, "kb_position") + 1
        if not_helpful < MAX_NOT_HELPFUL and position < len(hits):
            dispatcher.utter_message(text=NEXT_TEXT)
            _offer(dispatcher, hits[position])
            return [SlotSet("kb_not_helpful", not_helpful), SlotSet("kb_position", position)]
        dispatcher.utter_message(text=GIVE_UP_TEXT)
        return [SlotSet("kb_not_helpful", 0)] + await hand_off(dispatcher, tracker, "not_helpful")
