"""The desk's assist panel: KB articles and past resolved cases that match the chat's problem, from each index's own
decision; nothing when nothing matches; the desk's read rule; a busy index is a 503 to retry."""

import time
import uuid

import pytest

from cases import SYSTEM, CaseCreate, CaseService, CaseUpdate
from handoff.desk.presence import mark_offline, mark_online
from retrieval import Article, Retriever
from retrieval.store import IndexStore
from tests.conftest import app_client
from tests.handoff.desk.test_desk_api import BOT, _staff
from tests.retrieval.sample_kb import ARTICLES, DUTCH, write_article

PAST_CASES = [  # subject, resolution (with a person's name the index must not keep)
    (
        "Thermostat keeps dropping offline",
        "Rita Jansen's router broadcast only on 5 GHz and the thermostat needs a 2.4 GHz network. We turned on the "
        "router's 2.4 GHz band and paired the thermostat again; it has stayed connected since.",
    ),
    (
        "Charged twice for one order",
        "The payment provider captured the authorisation twice. We refunded the duplicate charge; it shows on the "
        "card statement within 5 business days.",
    ),
    (
        "Doorbell video blurry at night",
        "Night vision was switched off in the doorbell camera's settings. Switched it on under Camera > Night mode "
        "and cleaned the lens.",
    ),
]


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    """The sample KB's folder and its indexes (English, and Dutch for some articles), built once for the module (the
    app only reads them)."""
    folder = tmp_path_factory.mktemp("assist-kb")
    (folder / "kb").mkdir()
    for article_id, (title, tags, questions, body) in ARTICLES.items():
        write_article(folder / "kb", article_id, title, tags, questions, body)
    articles = [Article(article_id, t, b, tuple(g), tuple(q)) for article_id, (t, g, q, b) in ARTICLES.items()]
    english = Retriever.open(folder / "index", create=True)
    english.reindex(articles)
    dutch = [Article(article_id, t, b, tuple(g), tuple(q), "nl") for article_id, (t, g, q, b) in DUTCH.items()]
    Retriever.open(folder / "index" / "nl", create=True, embedder=english.embedder).reindex(dutch)
    return folder


@pytest.fixture
def desk(app_env, kb, tmp_path, monkeypatch, redis_prefix):
    """The app over a database of its own (its resolved cases are the only past cases), the sample KB and an agent
    online; yields (client, agent's header, a function that hands a chat off and has the agent accept it)."""
    from core import db, settings
    from ops import migrate

    url = f"sqlite:///{tmp_path / 'assist.db'}"
    migrate.upgrade(url)
    monkeypatch.setenv("DATABASE_URL", url)
    for cached in (settings.get_settings, db.get_engine, db.get_session_factory):
        cached.cache_clear()
    own = {"kb_dir": kb / "kb", "index_dir": kb / "index", "case_index_dir": tmp_path / "cases"}
    prefix = f"{redis_prefix}a{uuid.uuid4().hex[:6]}"
    with app_client(monkeypatch, **own, redis_prefix=prefix, router_interval_seconds=3600) as client:
        agent_id, agent = _staff("Ana Agent", ["agent"])
        mark_online(agent_id, name="agent", skills=[])

        def accepted(problem: list[str], *said: str) -> tuple[str, dict]:
            opened = client.post("/api/conversations").json()
            conversation, customer = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
            body = {"conversation_id": conversation, "reason": "kb_unanswerable", "packet": {"problem": problem}}
            assert client.post("/api/bot/handoff", json=body, headers=BOT).json()["status"] == "queued"
            assert client.post(f"/api/desk/conversations/{conversation}/accept", headers=agent).status_code == 200
            for text in said:
                client.post(f"/api/conversations/{conversation}/messages", json={"text": text}, headers=customer)
            return conversation, customer

        yield client, agent, accepted
        mark_offline(agent_id)
    db.get_engine().dispose()
    for cached in (db.get_engine, db.get_session_factory):
        cached.cache_clear()


def seed_resolved_cases() -> dict[str, str]:
    """The past cases, resolved (no event bus: as if resolved before this app ran); subject → number."""
    from core.db import get_session_factory

    numbers = {}
    with get_session_factory()() as session:
        service = CaseService(session)
        for subject, resolution in PAST_CASES:
            new = CaseCreate(customer_email="rita@example.com", customer_name="Rita Jansen", subject=subject)
            case = service.create(new, SYSTEM)
            service.commit()
            resolve = CaseUpdate(version=case.version, status="resolved", resolution=resolution)
            service.update(case.number, resolve, SYSTEM)
            service.commit()
            numbers[subject] = case.number
    return numbers


def assist(client, agent: dict, conversation: str) -> dict:
    """The assist panel's answer for a conversation."""
    answer = client.get(f"/api/desk/conversations/{conversation}/assist", headers=agent)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_past_resolution_worded_unlike_the_question_is_suggested_scrubbed(desk):
    client, agent, accepted = desk
    numbers = seed_resolved_cases()
    conversation, _ = accepted(["the heating thing keeps going offline"], "it worked fine last week")
    suggested = assist(client, agent, conversation)["cases"]
    assert [c["number"] for c in suggested][:1] == [numbers["Thermostat keeps dropping offline"]]
    assert suggested[0]["subject"] == "Thermostat keeps dropping offline"
    assert "2.4 GHz band" in suggested[0]["resolution"] and "Rita" not in suggested[0]["resolution"]


def test_a_matching_article_is_suggested_and_follows_the_latest_message(desk):
    client, agent, accepted = desk
    conversation, customer = accepted(["how do I bake sourdough bread"])
    assert assist(client, agent, conversation)["articles"] == []
    said = {"text": "my hub light is blinking orange since I changed my router"}
    client.post(f"/api/conversations/{conversation}/messages", json=said, headers=customer)
    articles = assist(client, agent, conversation)["articles"]
    assert articles[0]["article_id"] == "hub-e204" and articles[0]["url"] == "/help/hub-e204"
    assert articles[0]["title"] == "Hub error E-204" and "router" in articles[0]["snippet"]


def test_a_dutch_customer_s_article_is_offered_in_dutch(desk):
    client, agent, accepted = desk
    conversation, customer = accepted(["het lampje van mijn hub knippert oranje sinds de nieuwe router"])
    chosen = client.put(f"/api/conversations/{conversation}/language", json={"language": "nl"}, headers=customer)
    assert chosen.status_code == 200, chosen.text
    articles = assist(client, agent, conversation)["articles"]
    assert articles[0]["article_id"] == "hub-e204" and articles[0]["title"] == "Hubfout E-204"
    assert "router" in articles[0]["snippet"]


def test_a_question_nothing_answers_gets_both_lists_empty(desk):
    client, agent, accepted = desk
    seed_resolved_cases()
    conversation, _ = accepted(["what will the weather be like in Lisbon tomorrow"], "and should I bring an umbrella")
    assert assist(client, agent, conversation) == {"articles": [], "cases": []}


def test_resolving_adds_a_case_and_reopening_takes_it_out(desk):
    client, agent, accepted = desk
    conversation, _ = accepted(["my hub light is blinking orange"])
    assist(client, agent, conversation)  # builds the (empty) case index
    case = {"customer_email": "lea@example.com", "subject": "Hub offline after a router swap"}
    made = client.post(f"/api/desk/conversations/{conversation}/case", json=case, headers=agent).json()
    index = client.app.state.case_index
    change = {"version": made["version"], "status": "resolved", "resolution": "Re-entered the new Wi-Fi password."}
    resolved = client.patch(f"/api/cases/{made['number']}", json=change, headers=agent).json()
    assert wait_for(lambda: index.retriever.get_article(made["number"]) is not None)
    assert index.retriever.get_article(made["number"]).body == "Re-entered the new Wi-Fi password."
    reopen = {"version": resolved["version"], "status": "open"}
    assert client.patch(f"/api/cases/{made['number']}", json=reopen, headers=agent).status_code == 200
    assert wait_for(lambda: index.retriever.get_article(made["number"]) is None)


def wait_for(condition, seconds: float = 20) -> bool:
    """Whether `condition()` came true within `seconds` (the index is updated in the background)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_only_the_desk_may_read_it_and_an_unknown_chat_is_404(desk):
    client, agent, accepted = desk
    conversation, customer = accepted(["my hub light is blinking orange"])
    url = f"/api/desk/conversations/{conversation}/assist"
    _, expert = _staff("Eli Expert", ["expert"])
    stranger = client.post("/api/conversations").json()
    assert client.get(url, headers=customer).status_code == 401
    assert client.get(url, headers={"Authorization": f"Bearer {stranger['token']}"}).status_code == 401
    assert client.get(url, headers=expert).status_code == 403
    bot_only = f"/api/desk/conversations/{stranger['conversation_id']}/assist"  # only the bot ever had it
    assert client.get(bot_only, headers=agent).status_code == 403
    assert client.get(f"/api/desk/conversations/{uuid.uuid4()}/assist", headers=agent).status_code == 404


def test_an_index_another_worker_is_building_is_a_503_to_retry(desk, tmp_path):
    client, agent, accepted = desk
    conversation, _ = accepted(["my hub light is blinking orange"])
    with IndexStore(tmp_path / "cases").writing():  # another process holds the case index's write lock
        busy = client.get(f"/api/desk/conversations/{conversation}/assist", headers=agent)
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "5"
    assert assist(client, agent, conversation)["articles"][0]["article_id"] == "hub-e204"
