"""A conversation's language: detected from what the customer writes (steadied), or chosen in the widget; it goes to
Rasa with every turn and to the case opened from the chat."""

import time

import pytest

from core.db import get_session_factory
from handoff.flows import UNSERVED_TEXT
from handoff.models import Conversation
from language import ready_detector
from tests.conftest import app_client


@pytest.fixture
def client(own_queue, monkeypatch):
    """The app with language detection on, once the detector has loaded."""
    with app_client(monkeypatch, language_detection="true") as test_client:
        deadline = time.monotonic() + 120
        while ready_detector() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert ready_detector() is not None, "the language detector did not load"
        yield test_client


def chat(client) -> tuple[str, dict]:
    """A new conversation: its id and the customer's header."""
    opened = client.post("/api/conversations").json()
    return opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}


def say(client, conversation_id: str, auth: dict, *texts: str) -> str:
    """Send the customer's messages (the bot is down in these tests: each gets a notice); the chat's language."""
    for text in texts:
        assert (
            client.post(f"/api/conversations/{conversation_id}/messages", json={"text": text}, headers=auth).status_code
            == 200
        )
    with get_session_factory()() as session:
        return session.get(Conversation, conversation_id).speaks


def test_a_dutch_customer_is_served_in_dutch_and_a_short_ok_changes_nothing(client):
    conversation_id, auth = chat(client)
    assert say(client, conversation_id, auth, "mijn pakket is niet aangekomen") == "nl"
    assert say(client, conversation_id, auth, "ok", "thanks", "Lumora Hub") == "nl"


def test_one_message_in_another_language_does_not_switch_but_two_in_a_row_do(client):
    conversation_id, auth = chat(client)
    assert say(client, conversation_id, auth, "ciao, il mio hub non si connette") == "it"
    assert say(client, conversation_id, auth, "sorry, can you help me in English?") == "it"
    assert say(client, conversation_id, auth, "I would rather continue in English please") == "en"


def test_a_chat_opened_in_an_italian_widget_is_italian_until_a_message_tells_otherwise(client):
    opened = client.post("/api/conversations", json={"browser_language": "it"}).json()
    conversation_id, auth = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
    assert say(client, conversation_id, auth, "ciao", "ok") == "it"  # too short to tell: the widget's language
    assert say(client, conversation_id, auth, "my parcel has not arrived yet") == "en"
    refused = client.post("/api/conversations", json={"browser_language": "de"})
    assert refused.status_code == 422 and "browser_language" in refused.text


def test_the_customers_choice_wins_and_only_a_served_language_can_be_chosen(client):
    conversation_id, auth = chat(client)
    chosen = client.put(f"/api/conversations/{conversation_id}/language", json={"language": "fi"}, headers=auth)
    assert chosen.status_code == 200 and chosen.json() == {"language": "fi", "language_name": "Finnish"}
    assert say(client, conversation_id, auth, "mijn pakket is niet aangekomen", "waar is mijn bestelling nu") == "fi"
    refused = client.put(f"/api/conversations/{conversation_id}/language", json={"language": "de"}, headers=auth)
    assert refused.status_code == 422 and "language" in refused.text
    other_id, other_auth = chat(client)
    forged = client.put(f"/api/conversations/{conversation_id}/language", json={"language": "it"}, headers=other_auth)
    assert forged.status_code in {401, 403, 404}


def test_a_case_opened_from_the_chat_keeps_its_language(client):
    conversation_id, auth = chat(client)
    say(client, conversation_id, auth, "hei, tilaukseni ei ole saapunut vieläkään")
    body = {"conversation_id": conversation_id, "customer_email": "aino@example.com", "subject": "Tilaus puuttuu"}
    opened = client.post("/api/cases", json=body, headers=auth)
    assert opened.status_code == 201, opened.text
    from cases.models import Case, case_id

    with get_session_factory()() as session:
        assert session.get(Case, case_id(opened.json()["number"])).language == "fi"


def test_a_customer_in_a_language_we_do_not_serve_is_told_once_which_we_do_and_served_in_english(client):
    conversation_id, auth = chat(client)
    path = f"/api/conversations/{conversation_id}/messages"
    first = client.post(path, json={"text": "hallo, ich brauche Hilfe mit meinem Hub"}, headers=auth).json()
    told = [m["text"] for m in first["messages"] if m["sender"] == "system" and "we go on in English" in m["text"]]
    assert told == [UNSERVED_TEXT]
    again = client.post(path, json={"text": "mein Hub ist seit gestern offline"}, headers=auth).json()
    assert not any("we go on in English" in m["text"] for m in again["messages"])
    with get_session_factory()() as session:
        assert session.get(Conversation, conversation_id).speaks == "en"


def test_the_bot_and_swarmdesk_speak_to_a_finnish_customer_in_finnish(client):
    conversation_id, auth = chat(client)
    answer = client.post(
        f"/api/conversations/{conversation_id}/messages", json={"text": "hei, tilaukseni ei ole saapunut"}, headers=auth
    ).json()
    notice = answer["messages"][-1]  # the bot is down in these tests: Swarmdesk says so, in Finnish
    assert notice["text"].startswith("Pahoittelut — virtuaaliavustajamme ei ole juuri nyt käytettävissä.")
    assert notice["buttons"] == [{"title": "Puhu ihmisen kanssa", "payload": "/request_human"}]


def test_an_app_started_with_detection_off_counts_no_language_though_the_detector_is_loaded(client, monkeypatch):
    with app_client(monkeypatch, language_detection="false") as off:
        assert ready_detector() is None
        conversation_id, auth = chat(off)
        assert say(off, conversation_id, auth, "mijn pakket is niet aangekomen", "waar is mijn bestelling nu") == "en"
