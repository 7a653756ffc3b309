"""The satisfaction survey: the widget's answers about a closed chat, and the page a resolved case's email links to."""

import re

from sqlalchemy import select

from cases.models import CaseEmail, case_id
from cases.survey_link import token
from core.db import get_session_factory
from handoff.service import token_hash
from tests.conftest import staff_auth
from tests.handoff.activity_support import rows


def _closed_chat(client) -> tuple[str, dict]:
    """A chat its customer ended: its id and the customer's header."""
    opened = client.post("/api/conversations", json={"visitor_id": "survey-visitor-0001"}).json()
    auth = {"Authorization": f"Bearer {opened['token']}"}
    assert client.post(f"/api/conversations/{opened['conversation_id']}/end", headers=auth).status_code == 200
    return opened["conversation_id"], auth


def test_a_closed_chat_takes_each_answer_once(client):
    conversation_id, auth = _closed_chat(client)
    url = f"/api/conversations/{conversation_id}/survey"
    assert client.post(url, json={"question": "csat", "score": 4}, headers=auth).status_code == 204
    again = client.post(url, json={"question": "csat", "score": 5}, headers=auth)
    assert again.status_code == 409 and again.json()["detail"] == "already answered"
    assert client.post(url, json={"question": "ces", "score": 7}, headers=auth).status_code == 204
    answers = [(row.reason, row.value, row.channel, row.visitor) for row in rows(conversation_id=conversation_id)][1:]
    visitor = token_hash("survey-visitor-0001")
    assert answers == [("csat", 4, "chat", visitor), ("ces", 7, "chat", visitor)]  # after the close row


def test_scores_off_the_scale_are_refused_naming_score(client):
    conversation_id, auth = _closed_chat(client)
    url = f"/api/conversations/{conversation_id}/survey"
    for question, score in (("csat", 6), ("csat", 0), ("ces", 8)):
        refused = client.post(url, json={"question": question, "score": score}, headers=auth)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "score"], refused.text
    unknown = client.post(url, json={"question": "nps", "score": 3}, headers=auth)
    assert unknown.status_code == 422 and unknown.json()["detail"][0]["loc"] == ["body", "question"]
    assert rows(conversation_id=conversation_id, kind="survey") == []


def test_the_survey_waits_for_the_close_and_takes_only_the_chats_own_token(client):
    opened = client.post("/api/conversations").json()
    mine, auth = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
    early = client.post(f"/api/conversations/{mine}/survey", json={"question": "csat", "score": 5}, headers=auth)
    assert early.status_code == 409 and early.json()["detail"] == "the survey opens when the conversation closes"
    other, other_auth = _closed_chat(client)
    forged = client.post(f"/api/conversations/{other}/survey", json={"question": "csat", "score": 1}, headers=auth)
    wrong_token = client.get(f"/api/conversations/{other}/messages", headers=auth)
    assert forged.status_code == wrong_token.status_code == 401
    missing = client.post("/api/conversations/no-such-chat/survey", json={"question": "csat", "score": 1}, headers=auth)
    assert missing.status_code == 404
    assert rows(conversation_id=other, kind="survey") == [] and rows(conversation_id=mine, kind="survey") == []


def _resolved_case(client, language: str | None = None) -> str:
    """A case resolved by an agent, opened by phone or, given a `language`, by the customer from a chat in it: its
    number."""
    agent = opener = staff_auth("Ana Agent", ["agent"])
    case = {"customer_email": "rita@example.com", "subject": "Charged twice", "channel": "phone"}
    if language:
        opened = client.post("/api/conversations", json={"visitor_id": "survey-visitor-0002"}).json()
        chat, opener = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
        picked = client.put(f"/api/conversations/{chat}/language", json={"language": language}, headers=opener)
        assert picked.status_code == 200
        case |= {"channel": "chat", "conversation_id": chat}
    number = client.post("/api/cases", json=case, headers=opener).json()["number"]
    version = client.get(f"/api/cases/{number}", headers=agent).json()["version"]
    change = {"version": version, "status": "resolved", "resolution": "Refunded."}
    assert client.patch(f"/api/cases/{number}", json=change, headers=agent).status_code == 200
    return number


def test_the_resolved_email_links_a_survey_page_that_asks_csat_then_ces_then_thanks(client):
    number = _resolved_case(client)
    with get_session_factory()() as session:
        query = select(CaseEmail.body).where(CaseEmail.case_id == case_id(number), CaseEmail.kind == "resolved")
        body = session.scalar(query)
    link = re.search(r"https?://\S+(/survey/\S+)", body).group(1)
    assert link == f"/survey/{token(case_id(number))}"
    page = client.get(link)
    assert page.status_code == 200 and "How satisfied are you with the help you got?" in page.text
    assert page.text.count('name="score"') == 5 and "No thanks" in page.text
    answered = client.post(link, data={"question": "csat", "score": "5"})
    assert answered.status_code == 200 and "How easy was it to get your problem solved?" in answered.text
    assert answered.text.count('name="score"') == 7
    done = client.post(link, data={"question": "ces", "score": "6"})
    assert done.status_code == 200 and "Thank you" in done.text
    again = client.post(link, data={"question": "csat", "score": "1"})
    assert again.status_code == 409 and "Already answered" in again.text
    survey = [(row.reason, row.value, row.channel) for row in rows(case_id=case_id(number), kind="survey")]
    assert survey == [("csat", 5, "phone"), ("ces", 6, "phone")]


def test_no_thanks_passes_a_question(client):
    number = _resolved_case(client)
    link = f"/survey/{token(case_id(number))}"
    passed = client.get(f"{link}?after=csat").text
    assert "How easy was it" in passed and "How satisfied" not in passed
    assert "Thank you" in client.get(f"{link}?after=ces").text
    assert rows(case_id=case_id(number), kind="survey") == []


def test_the_case_survey_page_refuses_scores_off_the_scale_naming_score(client):
    number = _resolved_case(client)
    link = f"/survey/{token(case_id(number))}"
    for question, score in (("csat", "6"), ("csat", "0"), ("ces", "8")):
        refused = client.post(link, data={"question": question, "score": score})
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "score"], refused.text
    assert rows(case_id=case_id(number), kind="survey") == []
    assert "How satisfied are you" in client.get(link).text  # still unanswered


def test_a_forged_or_altered_survey_link_is_not_found(client):
    number = _resolved_case(client)
    genuine = token(case_id(number))
    case_part, signature = genuine.split("-")
    altered = f"{case_part}-{signature[:-1]}{'0' if signature[-1] != '0' else '1'}"
    other_case = f"{int(case_part) + 1}-{signature}"
    for forged in (altered, other_case, "1-nothex", "<script>"):
        page = client.get(f"/survey/{forged}")
        assert page.status_code == 404 and "Survey not found" in page.text
        posted = client.post(f"/survey/{forged}", data={"question": "csat", "score": "5"})
        assert posted.status_code == 404
    assert rows(case_id=case_id(number), kind="survey") == []


def test_a_second_answer_about_a_case_opened_from_a_chat_is_already_answered_not_an_error(client):
    link = f"/survey/{token(case_id(_resolved_case(client, 'en')))}"
    assert client.post(link, data={"question": "csat", "score": "4"}).status_code == 200
    again = client.post(link, data={"question": "csat", "score": "1"})
    assert again.status_code == 409 and "Already answered" in again.text


def test_a_dutch_case_gets_its_survey_email_and_page_in_dutch(client):
    number = _resolved_case(client, "nl")
    with get_session_factory()() as session:
        query = select(CaseEmail.body).where(CaseEmail.case_id == case_id(number), CaseEmail.kind == "resolved")
        body = session.scalar(query)
    assert "Hoe hebben we het gedaan? Twee korte vragen:" in body and "Refunded." in body
    link = re.search(r"https?://\S+(/survey/\S+)", body).group(1)
    page = client.get(link)
    assert '<html lang="nl">' in page.text and "Hoe tevreden ben je met de hulp die je kreeg?" in page.text
    assert f"Over je case {number}." in page.text and "Nee, bedankt" in page.text and "Helpcentrum" in page.text
    assert 'aria-label="5 van 5: Zeer tevreden"' in page.text and "How satisfied" not in page.text
    client.post(link, data={"question": "csat", "score": "4"})
    assert "Bedankt" in client.post(link, data={"question": "ces", "score": "6"}).text
    again = client.post(link, data={"question": "csat", "score": "1"})
    assert again.status_code == 409 and "Al beantwoord" in again.text


def test_a_survey_link_that_reaches_no_case_answers_in_the_browsers_language(client):
    italian = client.get("/survey/1-nothex", headers={"Accept-Language": "it-IT,it;q=0.9,en;q=0.8"})
    assert italian.status_code == 404 and "Sondaggio non trovato" in italian.text and 'lang="it"' in italian.text
    german = client.get("/survey/1-nothex", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert "Survey not found" in german.text and 'lang="en"' in german.text
