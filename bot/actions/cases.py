"""The case form (collect, validate, open a case) and the case lookup (number + email → status)."""

import re
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.platform import NotFound, PlatformAction, PlatformError

EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
CASE_NUMBER = re.compile(r"^CS-\d{5,9}$")
BAD_EMAIL_TEXT = "“{value}” doesn't look like an email address — it needs an @ and a domain, like name@example.com."
SHORT_TEXT = "Could you tell me a bit more? A sentence with the device and what happens is enough."
BAD_NUMBER_TEXT = "Case numbers look like CS-10428 — the letters CS, a dash and five or more digits."
NOT_FOUND_TEXT = "Sorry, I couldn't find a case with that number and email address. Please check both and try again."
CASE_FAILED_TEXT = "Sorry — I couldn't open the case just now. Please try again in a few minutes."
LOOKUP_FAILED_TEXT = "Sorry — I couldn't look the case up just now. Please try again in a few minutes."
CASE_OPENED_TEXT = "I've opened case {number} for you and emailed you a confirmation."
CASE_OPENED_BY_EMAIL_TEXT = CASE_OPENED_TEXT + " Our team will answer by email."
CASE_VIEW_TEXT = "Case {number} “{subject}”: {status}"  # then a line each for the latest update and the resolution
CASE_UPDATE_LINE_TEXT = "Latest update: {update}"
CASE_RESOLUTION_LINE_TEXT = "Resolution: {resolution}"


def checked_email(value: Any, dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """The slot update for a typed email: the address if well-formed, else None after saying why."""
    text = str(value or "").strip().strip(".,;")
    if EMAIL.match(text):
        return {"customer_email": text.lower()}
    dispatcher.utter_message(text=BAD_EMAIL_TEXT.format(value=text[:80]))
    return {"customer_email": None}


class ValidateCaseForm(FormValidationAction):
    """Check the email and the description of a new case; a bad value is asked again with the reason."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_case_form"

    def validate_customer_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict):
        """Accept a well-formed email; otherwise explain and ask again."""
        return checked_email(value, dispatcher)

    def validate_problem_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ):
        """Accept a description of at least a few words."""
        text = str(value or "").strip()
        if len(text) < 10:
            dispatcher.utter_message(text=SHORT_TEXT)
            return {"problem_description": None}
        return {"problem_description": text[:4000]}


class ActionSubmitCase(PlatformAction):
    """Open the case through the platform and give the customer its number."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_submit_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Create the case linked to this conversation; say the number (and, with no agent, that email follows)."""
        description = tracker.get_slot("problem_description") or ""
        reason = tracker.get_slot("case_reason")
        try:
            case = await self.platform.create_case(
                tracker,
                customer_email=tracker.get_slot("customer_email"),
                subject=description.split("\n")[0][:120],
                description=description,
                reason=reason,
            )
        except PlatformError:
            dispatcher.utter_message(text=CASE_FAILED_TEXT)
            return [SlotSet("problem_description", None), SlotSet("case_reason", None)]
        opened = CASE_OPENED_BY_EMAIL_TEXT if reason == "no_agent" else CASE_OPENED_TEXT
        dispatcher.utter_message(text=opened.format(number=case["number"]))
        return [
            SlotSet("case_number", case["number"]),
            SlotSet("problem_description", None),
            SlotSet("case_reason", None),
        ]


class ValidateCaseLookupForm(FormValidationAction):
    """Check the case number and email before a lookup."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "validate_case_lookup_form"

    def validate_case_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict):
        """Accept CS-<digits>, upper-cased."""
        number = str(value or "").strip().upper()
        if not CASE_NUMBER.match(number):
            dispatcher.utter_message(text=BAD_NUMBER_TEXT)
            return {"case_number": None}
        return {"case_number": number}

    def validate_customer_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict):
        """Accept a well-formed email; otherwise explain and ask again."""
        return checked_email(value, dispatcher)


class ActionCheckCase(PlatformAction):
    """Tell the customer the status of their case; a wrong email and an unknown number get the same reply."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_check_case"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[dict[str, Any]]:
        """Look the case up and describe it; forget the number afterwards (the email stays)."""
        number = tracker.get_slot("case_number")
        try:
            view = await self.platform.lookup_case(tracker, number, tracker.get_slot("customer_email"))
        except NotFound:
            dispatcher.utter_message(text=NOT_FOUND_TEXT)
            return [SlotSet("case_number", None), SlotSet("customer_email", None)]
        except PlatformError:
            dispatcher.utter_message(text=LOOKUP_FAILED_TEXT)
            return [SlotSet("case_number", None)]
        lines = [CASE_VIEW_TEXT.format(number=view["number"], subject=view["subject"], status=view["status_text"])]
        if view.get("public_updates"):
            lines.append(CASE_UPDATE_LINE_TEXT.format(update=view["public_updates"][-1]["text"]))
        if view.get("resolution"):
            lines.append(CASE_RESOLUTION_LINE_TEXT.format(resolution=view["resolution"]))
        dispatcher.utter_message(text="\n".join(lines))
        return [SlotSet("case_number", None)]
