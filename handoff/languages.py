"""The customer's language in a conversation: each message they write counts (`language.Steadied`) while detection
is on and once this process's detector has loaded (`language.preload`, at the app's start; a message before that
does not count)."""

from sqlalchemy.orm import Session

from handoff.models import Conversation
from language import DECISIVE_WORDS, SERVED, Steadied, ready_detector
from language.detection import WORD


def note_language(conversation: Conversation, text: str) -> bool:
    """Count one customer message towards the conversation's language (saved with the caller's commit); True if
    the language changed."""
    detector = ready_detector()
    if detector is None or len(WORD.findall(text)) < DECISIVE_WORDS:  # too short to count: skip the detector
        return False
    before = conversation.language
    now = Steadied(conversation.language, conversation.language_candidate, conversation.language_run)
    after = now.after(detector.detect(text))
    conversation.language, conversation.language_candidate, conversation.language_run = (
        after.language,
        after.candidate,
        after.run,
    )
    return conversation.language != before


def note_language_of(session: Session, conversation_id: str, text: str) -> None:
    """`note_language` for a message stored elsewhere (the live relay's), in a transaction of its own."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is not None:
        note_language(conversation, text)
        session.commit()


def choose_language(conversation: Conversation, language: str) -> None:
    """The customer's own choice (the widget's picker), which wins over detection; unserved codes are refused."""
    if language not in SERVED:
        raise ValueError(f"language: choose one of {', '.join(SERVED)}")
    conversation.language_chosen = language
