"""Articles as records: versions with diffs and revert, stale saves refused, lifecycle rules; drafting rules."""

import uuid

import pytest

from core.db import get_session_factory
from knowledge.drafting import Resolved, body_of, plan, questions_from
from knowledge.service import Content, Invalid, KnowledgeService, StaleVersion


@pytest.fixture
def service(app_env):
    """A knowledge service over the test database."""
    with get_session_factory()() as session:
        yield KnowledgeService(session)
        session.rollback()


def content(title="Reset the hub", body="Hold the button for 10 seconds.", questions=("how do I reset my hub",)):
    """An article's content for the tests."""
    return Content(f"{title} {uuid.uuid4().hex[:4]}", body, ["hub"], list(questions))


def test_every_save_is_a_version_with_its_diff_and_an_old_one_can_come_back(service):
    article = service.create(content(), author="Eddie")
    first_title = article.title
    service.save(article.id, content(body="Hold it for 15 seconds."), expected_version=1, author="Fran")
    history = service.history(article.id)
    assert [(v["version"], v["author"]) for v in history] == [(2, "Fran"), (1, "Eddie")]
    assert "-Hold the button for 10 seconds." in history[0]["diff"] and "+Hold it for 15 seconds." in history[0]["diff"]
    service.revert(article.id, 1, author="Eddie", expected_version=2)
    assert article.version == 3 and article.title == first_title and article.body == "Hold the button for 10 seconds."
    assert service.history(article.id)[0]["note"] == "reverted to version 1"


def test_two_editors_saving_the_same_version_the_second_is_refused_and_nothing_is_overwritten(service):
    article = service.create(content(), author="Eddie")
    service.save(article.id, content(body="First editor's text."), expected_version=1, author="Eddie")
    with pytest.raises(StaleVersion, match="version"):
        service.save(article.id, content(body="Second editor's text."), expected_version=1, author="Fran")
    assert article.body == "First editor's text." and article.version == 2


def test_publishing_needs_a_title_and_a_body_and_follows_the_lifecycle(service):
    article = service.create(content(), author="Eddie")
    article.body = "  "
    with pytest.raises(Invalid, match="body"):
        service.move(article.id, "published", author="Eddie")
    article.body = "Now it has one."
    service.move(article.id, "in_review", author="Eddie")
    service.move(article.id, "published", author="Eddie")
    service.move(article.id, "archived", author="Eddie")
    with pytest.raises(Invalid, match="status"):
        service.move(article.id, "in_review", author="Eddie")


def test_the_problem_is_scrubbed_of_personal_data_but_keeps_the_company_words():
    said = "Hi, my name is Rita Jansen, order LM-884213, my Lumora Cam is offline, mail rita.jansen@example.com"
    clean = questions_from(
        resolved(problem=[said, "the parcel never came, call +31 6 1234 5678 (CS-10428)"], vocabulary={"Lumora", "Cam"})
    )
    for secret in ("Rita", "Jansen", "884213", "rita.jansen@example.com", "1234 5678", "CS-10428"):
        assert all(secret not in question for question in clean)
    assert "Lumora Cam is offline" in clean[0] and "[email]" in clean[0] and "[phone]" in clean[1]


def test_a_line_that_is_only_contact_details_is_not_a_question():
    said = ["my email is rita@example.com", "Call me on +31 6 1234 5678", "my hub shows E101 after the update"]
    assert questions_from(resolved(problem=said)) == ["my hub shows E101 after the update"]


def test_without_a_problem_from_a_handoff_the_question_is_the_case_subject():
    assert questions_from(resolved(problem=[])) == ["Charged twice for one order"]


def test_the_body_says_each_thing_once():
    said = resolved(resolution="Holds drop off in 5 days.", ticked=["Holds drop off in 5 days.", "Call the bank."])
    assert body_of(said) == "Holds drop off in 5 days.\n\nCall the bank."


def resolved(**changes) -> Resolved:
    """A resolved case for the drafting tests."""
    fields = {
        "number": "CS-10500",
        "subject": "Charged twice for one order",
        "resolution": "The second charge is a card hold that disappears within 5 days.",
        "tags": ["billing"],
        "problem": ["I was charged twice for my order LM-12345, why?", "Is it a double payment?"],
        "names": ["Rita"],
        "ticked": ["Banks release holds after 3–5 working days."],
    } | changes
    return Resolved(**fields)


def test_a_new_draft_takes_the_subject_the_customers_questions_the_resolution_and_ticked_answers():
    drafted = plan(resolved(), lambda query: {"answerable": False, "hits": []}, lambda _: None)
    assert drafted.target is None and drafted.content.title == "Charged twice for one order"
    assert questions_from(resolved()) == drafted.content.questions
    assert drafted.content.questions == [
        "I was charged twice for my order [order number], why?",
        "Is it a double payment?",
    ]
    assert "card hold" in drafted.content.body and "3–5 working days" in drafted.content.body


def test_a_close_match_becomes_a_proposed_update_of_that_article():
    found = {"answerable": True, "confidence": 0.91, "hits": [{"article_id": "double-charge"}]}
    current = Content("Double charges", "Holds drop off.", ["billing"], ["why was I charged twice"])
    drafted = plan(
        resolved(), lambda query: found, lambda article_id: current if article_id == "double-charge" else None
    )
    assert drafted.target == "double-charge" and drafted.content.title == "Double charges"
    assert drafted.content.questions[0] == "why was I charged twice" and len(drafted.content.questions) == 3
    assert "Also resolved in CS-10500" in drafted.content.body
