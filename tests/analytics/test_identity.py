"""Who a customer is for recontact: the same email on cases from two browsers' chats is one customer
(docs/analytics.md, "visitor")."""

import uuid
from datetime import timedelta

from analytics.models import ConversationFacts
from cases.activity import email_visitor
from cases.models import Case, CaseConversation
from handoff.models import Conversation
from tests.analytics.conftest import visitor

HOUR = 60


def _email() -> str:
    """An email address of this test's own."""
    return f"customer-{uuid.uuid4().hex[:12]}@example.com"


def _chat(history, minutes: float, browser: str, article: str, email: str | None = None) -> str:
    """A chat from this browser answered with `article`, `minutes` after the history's start; with `email`, the case
    opened from it a minute later (its row carries the chat's visitor, as cases/activity.py writes it)."""
    chat = history.conversation(("answer", minutes, {"article_id": article}), visitor=browser)
    history.session.add(Conversation(id=chat, token_hash=uuid.uuid4().hex, visitor_hash=browser))
    history.session.flush()
    if email is not None:
        _case(history, chat, email, minutes + 1, browser)
    return chat


def _case(history, chat: str | None, email: str, minutes: float, browser: str | None = None) -> Case:
    """A case for this email opened `minutes` after the start, from this chat (as cases/service.py opens one: the case,
    its link to the chat, its `case_opened` row carrying the chat's visitor), or by email when `chat` is None."""
    due = history.at(minutes) + timedelta(days=3)
    case = Case(
        customer_email=email,
        subject="Help",
        channel="chat" if chat else "email",
        origin_conversation_id=chat,
        first_response_due=due,
        resolution_due=due,
    )
    history.session.add(case)
    history.session.flush()
    if chat is not None:
        history.session.add(CaseConversation(case_id=case.id, conversation_id=chat, linked_at=history.at(minutes)))
    history.add(
        "case_opened", minutes, chat, case_id=case.id, channel=case.channel, visitor=browser or email_visitor(email)
    )
    return case


def _outcome(history, chat: str) -> str:
    history.session.expire_all()
    return history.session.get(ConversationFacts, chat).outcome


def test_two_browsers_whose_cases_carry_the_same_email_are_one_customer_within_the_window(history):
    email, late, other = _email(), _email(), _email()
    returned = _chat(history, 0, visitor(), "pair-hub", email)
    _chat(history, 24 * HOUR, visitor(), "pair-hub", email.upper())  # another browser, the same email, 24 h later
    after_window = _chat(history, 0, visitor(), "billing-cycle", late)
    _chat(history, 80 * HOUR, visitor(), "billing-cycle", late)  # the same email after the 72 h window
    two_customers = _chat(history, 0, visitor(), "reset-password", _email())
    _chat(history, 24 * HOUR, visitor(), "reset-password", other)  # another email
    history.refresh()

    outcomes = {chat: _outcome(history, chat) for chat in (returned, after_window, two_customers)}
    assert outcomes == {returned: "recontacted", after_window: "contained", two_customers: "contained"}
    stored = history.session.get(ConversationFacts, returned)
    assert stored.visitor == email_visitor(email)  # only the hash: no address in the roll-up
    assert "@" not in stored.visitor


def test_an_email_learned_after_the_chat_was_rolled_up_is_picked_up(history):
    email, browser = _email(), visitor()
    first = _chat(history, 0, browser, "pair-hub")  # no case yet: rolled up under the widget's visitor
    history.refresh(hours_later=2)
    _chat(history, 24 * HOUR, visitor(), "pair-hub", email)  # another browser, a case with the email
    history.refresh(hours_later=30)
    assert _outcome(history, first) == "pending"

    # A later chat of the first browser opens a case with the same email: the desk now knows both browsers as one
    # customer, and the first chat, rolled up before, is decided again with the other browser's return.
    _chat(history, 48 * HOUR, browser, "billing-cycle", email)
    history.refresh(hours_later=50)
    assert _outcome(history, first) == "recontacted"
    history.refresh()  # settling after the window keeps it
    assert _outcome(history, first) == "recontacted"


def test_a_case_opened_later_from_the_first_chat_is_picked_up(history):
    email, browser = _email(), visitor()
    first = _chat(history, 0, browser, "pair-hub")
    _chat(history, 24 * HOUR, visitor(), "pair-hub", email)
    history.refresh(hours_later=30)
    assert _outcome(history, first) == "pending"

    _case(history, first, email, 26 * HOUR, browser)  # the case from the first chat, opened two hours after the return
    history.refresh()
    assert _outcome(history, first) == "recontacted"


def test_a_chat_an_agent_links_to_the_customers_email_case_names_its_browser(history):
    email, browser = _email(), visitor()
    first = _chat(history, 0, browser, "pair-hub")  # answered by the bot, no case
    _chat(history, 24 * HOUR, visitor(), "pair-hub", email)  # another browser asks again; its case names the email
    # The first browser comes back about something else; an agent takes the chat and links it to the customer's
    # case that came in by email: the desk now knows that browser by the email too.
    held = history.conversation(
        ("handoff", 30 * HOUR, {"reason": "customer_request"}), ("accept", 31 * HOUR, {"actor_id": 7}), visitor=browser
    )
    history.session.add(Conversation(id=held, token_hash=uuid.uuid4().hex, visitor_hash=browser))
    by_email = _case(history, None, email, 20 * HOUR)
    history.session.add(CaseConversation(case_id=by_email.id, conversation_id=held, linked_at=history.at(32 * HOUR)))
    history.add("close", 33 * HOUR, held, channel="chat", visitor=browser)
    history.refresh()

    assert _outcome(history, first) == "recontacted"
    assert _outcome(history, held) == "handed_off"
