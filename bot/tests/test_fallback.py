"""The fallback action, run with a real Tracker and CollectingDispatcher."""

import asyncio

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.fallback import FALLBACK_TEXT, ActionFallback


def _tracker(text: str) -> Tracker:
    """A tracker whose latest message is `text`, classified as nlu_fallback."""
    message = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.3}}
    return Tracker("conv-1", {}, message, [], False, None, {}, "action_listen")


def test_fallback_asks_to_rephrase_and_links_the_help_centre():
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionFallback().run(dispatcher, _tracker("qwerty zxcv"), {}))
    assert events == []
    [message] = dispatcher.messages
    assert message["text"] == FALLBACK_TEXT
    assert message["custom"] == {"links": [{"title": "Lumora help centre", "url": "/help"}]}
