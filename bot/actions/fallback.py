"""What the bot says when it did not understand the customer."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

FALLBACK_TEXT = "Sorry, I didn't quite get that. Could you say it in other words? You can also browse our help centre."
HELP_CENTRE_LINK = {"title": "Lumora help centre", "url": "/help"}


class ActionFallback(Action):
    """Ask the customer to rephrase, and point at the help centre."""

    def name(self) -> str:
        """The action's name in the domain."""
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Send the rephrase request with a help-centre link; no events."""
        dispatcher.utter_message(text=FALLBACK_TEXT, json_message={"links": [HELP_CENTRE_LINK]})
        return []
