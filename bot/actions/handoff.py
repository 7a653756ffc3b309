"""Handing the conversation to a person, with a packet the agent sees; with nobody available, a case instead."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.platform import Platform, PlatformAction, PlatformError

QUEUED_TEXT = (
    "I'm connecting you with a person from our support team. Please stay in this chat — "
    "they will see everything we've said so far."
)
QUEUED_PLACE_TEXT = QUEUED_TEXT + " You are number {place} in the queue."
NO_AGENT_TEXT = (
    "Nobody from our team can take a chat right now. I'll open a case instead and the answer will come by email."
)
BROKEN_TEXT = (
    "Sorry — I'm having trouble reaching our support system right now. Please try again in a few minutes, "
    "or email support@lumora.example."
)

QUESTION_INTENTS = {"ask_question", "report_problem", "rephrase", "nlu_fallback"}


def _recent_intents(tracker: Tracker, count: int = 3) -> list[dict[str, Any]]:
    """The customer's last messages with the intents the NLU ranked for them."""
    recent = []
    for event in reversed(tracker.events):
        if event.get("event") == "user" and not (event.get("text") or "").startswith("/"):
            parse = event.get("parse_data") or {}
            ranking = [
                {"intent": item.get("name"), "confidence": round(float(item.get("confidence") or 0), 3)}
                for item in (parse.get("intent_ranking") or [])[:3]
            ]
            recent.append({"text": event.get("text"), "intents": ranking})
            if len(recent) == count:
                break
    return list(reversed(recent))


def problem(tracker: Tracker, count: int = 3) -> list[str]:
    """The questions the bot could not settle: the customer's questions and problem reports, less any the customer
    confirmed an answer to; never greetings, thanks, a request for a person or a pressed button."""
    open_questions: list[str] = []
    for event in (e for e in tracker.events if e.get("event") == "user"):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == "helpful" and open_questions:  # typed or the "Yes" button
            open_questions.pop()
        elif intent in QUESTION_INTENTS and not (event.get("text") or "").startswith("/"):
            open_questions.append(event["text"])
    return open_questions[-count:]


def packet(tracker: Tracker, reason: str) -> dict[str, Any]:
    """What the agent sees: why, the open problem, the intents and confidences, the KB articles tried, the case
    (the platform scrubs it and writes the summary)."""
    return {
        "reason": reason,
        "problem": problem(tracker),
        "recent_messages": _recent_intents(tracker),
        "kb_articles_tried": tracker.get_slot("kb_hits") or [],
        "case_number": tracker.get_slot("case_number"),
    }


async def hand_off(
    platform: Platform, dispatcher: CollectingDispatcher, tracker: Tracker, reason: str
) -> list[dict[str, Any]]:
    """Ask the platform for a person; say once what happens next (queue, or a case when nobody is free)."""
    try:
        answer = await platform.hand_off(tracker.sender_id, reason, packet(tracker, reason))
    except PlatformError:
        dispatcher.utter_message(text=BROKEN_TEXT)
        return []
    if answer.get("status") == "no_agent":
        dispatcher.utter_message(text=NO_AGENT_TEXT)
        return [SlotSet("case_reason", "no_agent"), FollowupAction("case_form")]
    place = answer.get("position")
    dispatcher.utter_message(text=QUEUED_PLACE_TEXT.format(place=place) if place else QUEUED_TEXT)
    return [SlotSet("kb_misses", 0), SlotSet("kb_not_helpful", 0)]


class ActionHandoff(PlatformAction):
    """The customer asked for a person."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Hand off with reason `customer_request`."""
        return await hand_off(self.platform, dispatcher, tracker, "customer_request")
