"""Answers from the knowledge base, and what the customer's "did this help?" sets off."""

import contextlib
import json
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import clarify
from bot.actions.handoff import hand_off
from bot.actions.platform import Platform, PlatformAction, PlatformError

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
CLARIFY_TEXT = "Did you mean one of these?"
SOMETHING_ELSE_BUTTON = {"title": "Something else", "payload": "/something_else"}
GONE_TEXT = "Sorry, that article has just been taken down."
FEEDBACK_TEXT = "Did this answer your question?"
MAX_MISSES = 2  # unanswerable questions in a row before a person takes over
MIN_QUESTION_WORDS = 3  # "k", "yeah", "ah right" are acknowledgements the classifier missed, not questions
MAX_NOT_HELPFUL = 2  # "No" answers in a conversation before a person takes over


def _offer(dispatcher: CollectingDispatcher, hit: dict[str, Any]) -> None:
    """A short answer from the article, its title as a link, and "Did this answer your question?"."""
    dispatcher.utter_message(text=hit["snippet"], json_message={"links": [{"title": hit["title"], "url": hit["url"]}]})
    dispatcher.utter_message(text=FEEDBACK_TEXT, buttons=FEEDBACK_BUTTONS)


def _count(tracker: Tracker, slot: str) -> int:
    """A counter slot as an int."""
    return int(tracker.get_slot(slot) or 0)


async def _record(platform: Platform, tracker: Tracker, event: str) -> None:
    """Count a Yes or No for the article last offered; a failure only loses the count (it is logged)."""
    hits = tracker.get_slot("kb_hits") or []
    position = _count(tracker, "kb_position")
    if position < len(hits):
        with contextlib.suppress(PlatformError):  # Platform logged it; the reply matters more than the figure
            await platform.feedback(tracker, hits[position]["article_id"], event)


async def _report_served(platform: Platform, tracker: Tracker, article_id: str) -> None:
    """Tell the platform an article was shown without a search of its own (a pick, or the next after "No"), so the
    chat's record has it as an answer; a failure only loses the figure (it is logged)."""
    with contextlib.suppress(PlatformError):
        await platform.feedback(tracker, article_id, "served")


async def miss(
    platform: Platform, dispatcher: CollectingDispatcher, tracker: Tracker, *, counts: bool
) -> list[dict[str, Any]]:
    """The not-found reply; a miss that `counts` adds to the counter, and the second in a row hands off."""
    misses = _count(tracker, "kb_misses") + int(counts)
    if misses >= MAX_MISSES:
        return [SlotSet("kb_misses", 0), *_forget_choices(tracker)] + await hand_off(
            platform, dispatcher, tracker, "kb_unanswerable"
        )
    dispatcher.utter_message(text=NOT_FOUND_TEXT, buttons=NOT_FOUND_BUTTONS)
    return [SlotSet("kb_misses", misses), *_forget_choices(tracker)]


def _forget_choices(tracker: Tracker) -> list[dict[str, Any]]:
    """Forget the articles a "Did you mean…" offered, if it did."""
    return [SlotSet("kb_choices", None)] if tracker.get_slot("kb_choices") else []


def _answered(tracker: Tracker, dispatcher: CollectingDispatcher, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Show the first of `hits` as the answer; the rest stay for "No, that didn't help"."""
    _offer(dispatcher, hits[0])
    return [SlotSet("kb_hits", hits), SlotSet("kb_position", 0), SlotSet("kb_misses", 0), *_forget_choices(tracker)]


def _decision(result: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The search's decision and the articles it offers, each as the bot keeps it (an older platform without a
    decision: answer when answerable, else none)."""
    threshold = float(result.get("threshold", 0.5))
    keep = ("article_id", "title", "url", "snippet", "score", "tags")
    hits = [{k: hit[k] for k in keep} for hit in result.get("hits", []) if hit["score"] >= threshold]
    if "decision" not in result:
        return ("answer", hits) if result.get("answerable") and hits else ("none", [])
    offered = [{k: hit[k] for k in keep} for hit in result.get("offered", [])]
    if result["decision"] == "answer" and offered:
        return "answer", offered + [h for h in hits if h["article_id"] != offered[0]["article_id"]]
    if result["decision"] == "clarify" and len(offered) > 1:
        return "clarify", offered
    return "none", []


class ActionAnswerFromKb(PlatformAction):
    """Search the KB for the customer's words: answer, ask which article they mean, or say the KB has nothing."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_answer_from_kb"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """After a "Did you mean…", a number or title picks the article; anything else is searched. The second
        unanswerable question in a row (of 3+ words each) hands off."""
        query = (tracker.latest_message or {}).get("text") or ""
        choices = tracker.get_slot("kb_choices") or [] if _offer_is_fresh(tracker) else []
        picked = clarify.pick(query, choices) if choices else None
        if picked == clarify.SOMETHING_ELSE:
            return await miss(self.platform, dispatcher, tracker, counts=True)
        if picked is not None:
            return await show_choice(self.platform, dispatcher, tracker, picked)
        try:
            result = await self.platform.search(tracker, query)
        except PlatformError:
            return _forget_choices(tracker) + await hand_off(self.platform, dispatcher, tracker, "bot_unavailable")
        decision, articles = _decision(result)
        if decision == "answer":
            return _answered(tracker, dispatcher, articles)
        if decision == "clarify":
            buttons = [{"title": a["title"], "payload": choice_payload(a["article_id"])} for a in articles]
            dispatcher.utter_message(text=CLARIFY_TEXT, buttons=buttons + [SOMETHING_ELSE_BUTTON])
            return [SlotSet("kb_choices", articles)]
        is_question = len(re.findall(r"\w+", query)) >= MIN_QUESTION_WORDS
        return await miss(self.platform, dispatcher, tracker, counts=is_question)


def _offer_is_fresh(tracker: Tracker) -> bool:
    """True if the bot's last step before this message was the search that asked "Did you mean…" (an offer is
    answered by the very next message, never after a greeting or another question)."""
    for event in reversed(tracker.events[:-1] if tracker.events else []):
        if event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == "action_answer_from_kb"
    return True  # no earlier step is known (a test tracker): the slot alone decides


def choice_payload(article_id: str) -> str:
    """The payload of a "Did you mean…" button for one article."""
    return "/choose_article" + json.dumps({"article_id": article_id})


async def show_choice(
    platform: Platform, dispatcher: CollectingDispatcher, tracker: Tracker, choice: dict[str, Any]
) -> list[dict[str, Any]]:
    """Show the article the customer picked, unless it was archived meanwhile (then: "Something else")."""
    try:
        served = await platform.is_served(tracker, choice["article_id"])
    except PlatformError:
        served = True  # the passage was found a moment ago; a failed check is no reason to withhold it
    if not served:  # handled like "Something else": the not-found path, and a miss
        dispatcher.utter_message(text=GONE_TEXT)
        return await miss(platform, dispatcher, tracker, counts=True)
    await _report_served(platform, tracker, choice["article_id"])
    return _answered(tracker, dispatcher, [choice])


class ActionKbChoice(PlatformAction):
    """A "Did you mean…" button: one of the articles, or "Something else"."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_kb_choice"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Show the chosen article; "Something else" (or a choice no longer offered) is a miss."""
        choices = {c["article_id"]: c for c in tracker.get_slot("kb_choices") or []}
        chosen = next(tracker.get_latest_entity_values("article_id"), None)
        if (tracker.latest_message or {}).get("intent", {}).get("name") == "choose_article" and chosen in choices:
            return await show_choice(self.platform, dispatcher, tracker, choices[chosen])
        return await miss(self.platform, dispatcher, tracker, counts=True)


class ActionKbHelpful(PlatformAction):
    """The customer said the answer helped."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_kb_helpful"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Say so, count it for the article, reset the miss counter, and forget the article: it settled that question,
        so a later handoff is not about it (nor takes its skill)."""
        dispatcher.utter_message(response="utter_glad")
        await _record(self.platform, tracker, "helpful")
        return [SlotSet("kb_misses", 0), SlotSet("kb_hits", None)]


class ActionKbNotHelpful(PlatformAction):
    """The customer said the answer did not help: the next answerable article, else a person."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_kb_not_helpful"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Offer the next article once; a second "No" in the conversation, or no next article, hands off. A "No" to
        "Did you mean…" is "Something else"."""
        if tracker.get_slot("kb_choices") and _offer_is_fresh(tracker):
            return await miss(self.platform, dispatcher, tracker, counts=True)
        await _record(self.platform, tracker, "not_helpful")
        not_helpful = _count(tracker, "kb_not_helpful") + 1
        hits = tracker.get_slot("kb_hits") or []
        position = _count(tracker, "kb_position") + 1
        if not_helpful < MAX_NOT_HELPFUL and position < len(hits):
            dispatcher.utter_message(text=NEXT_TEXT)
            _offer(dispatcher, hits[position])
            await _report_served(self.platform, tracker, hits[position]["article_id"])
            return [SlotSet("kb_not_helpful", not_helpful), SlotSet("kb_position", position)]
        dispatcher.utter_message(text=GIVE_UP_TEXT)
        return [SlotSet("kb_not_helpful", 0)] + await hand_off(self.platform, dispatcher, tracker, "not_helpful")
