"""Who may call what: every route in the app's OpenAPI spec × every kind of caller gets the answer written here by
hand (a route missing from the table fails the test). `OK` means served: not refused (401/403) and never a 5xx; a
404/409/422 for the test's empty body or a state the route does not allow now is still served."""

import uuid

import pytest

from handoff.desk.presence import mark_offline, mark_online
from tests.conftest import app_client
from tests.handoff.test_swarms_api import person

OK = "ok"
CALLERS = ("anonymous", "customer", "stranger", "bot", "agent", "colleague", "expert", "editor", "lead", "admin")
PEOPLE = ("agent", "colleague", "expert", "editor", "lead", "admin")
# The caller kinds: nobody; the chat's customer (its token); another chat's customer; the bot's service token; the
# agent holding the chat (and owning its swarm); another agent; an expert in the swarm; a KB editor; a support lead;
# an admin.


def rule(*served: str, **refused: int) -> dict[str, object]:
    """Who is served; the rest get 401 if they are not staff (a customer token is no staff token), else 403,
    unless `refused` names another answer."""
    outsiders = ("anonymous", "customer", "stranger")
    return {
        caller: OK if caller in served else refused.get(caller, 401 if caller in outsiders else 403)
        for caller in CALLERS
    }


PUBLIC = rule(*CALLERS)
CUSTOMER = rule("customer", **{caller: 401 for caller in CALLERS})
CHAT_CASE = rule("customer", "bot", **{caller: 401 for caller in PEOPLE})  # a chat's case: its token or the bot's
SERVICE = rule("bot", "admin")
EDITOR = rule("editor", "admin")
WRITER = rule("editor", "expert", "agent", "colleague", "admin")
AGENT = rule("agent", "colleague", "admin")
HOLDER = rule("agent")  # only the agent holding the chat, admins included
SWARM_STARTER = rule("agent", "admin")  # on a chat they hold (any, for an admin)
STAFF_IN_SWARMS = rule("agent", "colleague", "expert", "admin")
INVITEE = rule("expert", agent=404, colleague=404, admin=404)  # another's invitation is not theirs to see
MEMBER = rule("agent", "expert", bot=401)  # the bot is no person: it is asked to sign in
OWNER = rule("agent", bot=401)
OWNER_OR_ADMIN = rule("agent", "admin", bot=401)  # an admin too, in the room or not
ADMIN = rule("admin")
LEAD = rule("lead", "admin")  # support leads: analytics


def bodies_for(values: dict, ids: dict) -> dict[tuple[str, str], dict]:
    """A valid body for each route that takes one, so that the rule answers and not the body's validation."""
    conversation, number, text = values["conversation_id"], values["number"], {"text": "Matrix check"}
    case = {"customer_email": "rita@example.com", "subject": "Charged twice"}
    return {
        ("POST", "/api/conversations/{conversation_id}/messages"): text,
        ("POST", "/api/conversations/{conversation_id}/survey"): {"question": "csat", "score": 5},
        ("POST", "/api/kb/search"): {"query": "refund"},
        ("POST", "/api/widget/forget"): {"visitor_id": "matrix-visitor-0001"},
        ("POST", "/api/kb/articles"): {"title": "Matrix article", "body": "Body."},
        ("PUT", "/api/kb/articles/{article_id}"): {"version": 1, "title": "Matrix", "body": "Body, edited."},
        ("POST", "/api/kb/articles/{article_id}/status"): {"status": "in_review", "version": 1},
        ("POST", "/api/kb/articles/{article_id}/feedback"): {"event": "served"},
        ("POST", "/api/kb/articles/preview"): {"body": "# Preview"},
        ("PUT", "/api/kb/articles/{article_id}/translations/{locale}"): {"title": "Matrix", "body": "Vertaald."},
        ("POST", "/api/cases"): case | {"conversation_id": conversation},
        ("POST", "/api/cases/lookup"): {"number": number, "email": "rita@example.com"},
        ("PATCH", "/api/cases/{number}"): {"version": 1, "priority": "high"},
        ("POST", "/api/cases/{number}/notes"): text,
        ("POST", "/api/bot/handoff"): {"conversation_id": conversation, "reason": "customer_request"},
        ("POST", "/api/desk/conversations/{conversation_id}/transfer"): {"agent_id": ids["agent"]},  # to oneself: 422
        ("POST", "/api/desk/conversations/{conversation_id}/messages"): text,
        ("POST", "/api/desk/conversations/{conversation_id}/notes"): text,
        ("POST", "/api/desk/conversations/{conversation_id}/case"): case,
        ("POST", "/api/desk/conversations/{conversation_id}/case/link"): {"number": number},
        ("POST", "/api/swarms"): {"case_number": number, "conversation_id": conversation},
        ("POST", "/api/swarms/{swarm_id}/invitations"): {"person_ids": [ids["expert"]]},
        ("POST", "/api/swarms/{swarm_id}/close"): {"outcome": "Refunded"},
        ("POST", "/api/swarms/{swarm_id}/messages"): text,
        ("POST", "/api/swarms/{swarm_id}/messages/{message_id}/send"): text,
        ("POST", "/api/swarms/{swarm_id}/guests"): {"name": "Partner"},
        ("POST", "/api/swarms/{swarm_id}/guest-view/shared"): {"message_id": values["chat_message_id"]},
        ("PUT", "/api/swarms/{swarm_id}/guest-view"): {"reveal_all": True},
        ("POST", "/api/admin/users"): {
            "email": f"new-{uuid.uuid4().hex[:6]}@lumora.example",
            "display_name": "New Person",
            "password": "staff-password-1",
            "roles": ["agent"],
        },  # fmt: skip
        ("PATCH", "/api/admin/users/{user_id}"): {"capacity": 3},
        ("POST", "/api/admin/users/{user_id}/tokens"): {"name": "matrix"},
        ("POST", "/api/canned"): {"title": "Matrix", "text": "Hi {customer_name}."},
        ("PUT", "/api/canned/{reply_id}"): {"title": "Matrix", "text": "Edited.", "share": "everyone"},
    }


ROUTES = {
    ("GET", "/livez"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,  # in production only with the ops token (tests/app/test_production_mode.py)
    ("GET", "/healthz"): PUBLIC,
    ("POST", "/api/conversations"): PUBLIC,
    ("GET", "/api/widget/topics"): PUBLIC,
    ("GET", "/api/widget/texts"): PUBLIC,  # without a language: 422, still served
    ("POST", "/api/widget/forget"): PUBLIC,  # possessing the random visitor id is what lets a browser forget it
    ("POST", "/api/conversations/{conversation_id}/messages"): CUSTOMER,
    ("GET", "/api/conversations/{conversation_id}/messages"): CUSTOMER,
    ("POST", "/api/conversations/{conversation_id}/survey"): CUSTOMER,  # 409 here: the chat has not closed
    ("POST", "/api/kb/search"): PUBLIC,
    ("GET", "/api/kb/live/{article_id}"): PUBLIC,
    ("GET", "/api/kb/articles"): EDITOR,
    ("POST", "/api/kb/articles"): WRITER,
    ("GET", "/api/kb/articles/{article_id}"): EDITOR,
    ("PUT", "/api/kb/articles/{article_id}"): EDITOR,
    ("POST", "/api/kb/articles/{article_id}/impact"): EDITOR,
    ("POST", "/api/kb/articles/{article_id}/status"): EDITOR,
    ("POST", "/api/kb/articles/{article_id}/revert/{to_version}"): EDITOR,
    ("POST", "/api/kb/articles/{article_id}/reindex"): EDITOR,
    ("POST", "/api/kb/articles/{article_id}/feedback"): SERVICE,
    ("POST", "/api/kb/articles/preview"): EDITOR,
    ("GET", "/api/kb/articles/{article_id}/translations"): EDITOR,
    ("PUT", "/api/kb/articles/{article_id}/translations/{locale}"): EDITOR,
    ("POST", "/api/kb/reindex"): EDITOR,
    ("GET", "/api/kb/reindex/{job_id}"): EDITOR,
    ("POST", "/api/cases"): CHAT_CASE,  # agents open a chat's case from the desk
    ("GET", "/api/cases"): AGENT,
    ("POST", "/api/cases/lookup"): PUBLIC,
    ("GET", "/api/cases/{number}"): AGENT,
    ("PATCH", "/api/cases/{number}"): AGENT,
    ("POST", "/api/cases/{number}/notes"): AGENT,
    ("POST", "/api/bot/handoff"): SERVICE,
    ("GET", "/api/desk/queue"): AGENT,
    ("GET", "/api/desk/mine"): AGENT,
    ("GET", "/api/desk/agents"): AGENT,
    ("POST", "/api/desk/conversations/{conversation_id}/accept"): AGENT,
    ("POST", "/api/desk/conversations/{conversation_id}/decline"): AGENT,
    ("GET", "/api/desk/conversations/{conversation_id}/messages"): rule("agent", "colleague", "lead", "admin"),
    ("POST", "/api/desk/conversations/{conversation_id}/messages"): HOLDER,
    ("POST", "/api/desk/conversations/{conversation_id}/typing"): HOLDER,
    ("GET", "/api/desk/conversations/{conversation_id}/problem"): AGENT,
    ("PUT", "/api/desk/conversations/{conversation_id}/problem/{seq}"): HOLDER,
    ("DELETE", "/api/desk/conversations/{conversation_id}/problem/{seq}"): HOLDER,
    ("GET", "/api/desk/conversations/{conversation_id}/notes"): AGENT,
    ("POST", "/api/desk/conversations/{conversation_id}/notes"): AGENT,
    ("GET", "/api/desk/conversations/{conversation_id}/context"): AGENT,
    ("GET", "/api/desk/conversations/{conversation_id}/assist"): AGENT,
    ("POST", "/api/desk/conversations/{conversation_id}/case"): HOLDER,
    ("POST", "/api/desk/conversations/{conversation_id}/case/link"): HOLDER,
    ("POST", "/api/swarms"): SWARM_STARTER,
    ("GET", "/api/swarms/mine"): STAFF_IN_SWARMS,
    ("GET", "/api/swarms/people"): AGENT,
    ("GET", "/api/swarms/{swarm_id}/suggestions"): OWNER,
    ("POST", "/api/swarms/{swarm_id}/invitations"): OWNER,
    ("POST", "/api/swarms/invitations/{invitation_id}/{answer}"): INVITEE,
    ("GET", "/api/swarms/{swarm_id}"): MEMBER,
    ("GET", "/api/swarms/{swarm_id}/messages"): MEMBER,
    ("POST", "/api/swarms/{swarm_id}/messages"): MEMBER,
    ("POST", "/api/swarms/{swarm_id}/messages/{message_id}/propose"): MEMBER,
    ("POST", "/api/swarms/{swarm_id}/messages/{message_id}/send"): OWNER,
    ("POST", "/api/swarms/{swarm_id}/guests"): OWNER,
    ("DELETE", "/api/swarms/{swarm_id}/guests/{guest_id}"): OWNER,
    ("POST", "/api/swarms/{swarm_id}/guest-view/shared"): OWNER_OR_ADMIN,
    ("DELETE", "/api/swarms/{swarm_id}/guest-view/shared/{message_id}"): OWNER_OR_ADMIN,
    ("PUT", "/api/swarms/{swarm_id}/guest-view"): OWNER_OR_ADMIN,
    ("GET", "/api/admin/users"): ADMIN,
    ("POST", "/api/admin/users"): ADMIN,
    ("PATCH", "/api/admin/users/{user_id}"): ADMIN,
    ("DELETE", "/api/admin/users/{user_id}/login-throttle"): ADMIN,
    ("POST", "/api/admin/users/{user_id}/tokens"): ADMIN,
    ("GET", "/api/admin/users/{user_id}/tokens"): ADMIN,
    ("GET", "/api/admin/users/{user_id}/sessions"): ADMIN,
    ("DELETE", "/api/admin/users/{user_id}/sessions/{session_id}"): ADMIN,
    ("DELETE", "/api/admin/users/{user_id}/tokens/{token_id}"): ADMIN,
    ("GET", "/api/canned"): AGENT,
    ("POST", "/api/canned"): AGENT,  # an agent's own; admins' may be the team's
    ("GET", "/api/desk/conversations/{conversation_id}/canned/{reply_id}/filled"): AGENT,
    ("PUT", "/api/canned/{reply_id}"): ADMIN,  # a team reply; an agent's own: tests/handoff/desk/test_canned.py
    ("DELETE", "/api/canned/{reply_id}"): ADMIN,
    ("POST", "/api/desk/conversations/{conversation_id}/transfer"): HOLDER,
    ("PUT", "/api/conversations/{conversation_id}/language"): CUSTOMER,
    ("GET", "/api/analytics/overview"): LEAD,
    ("GET", "/api/analytics/containment"): LEAD,
    ("GET", "/api/analytics/handoffs"): LEAD,
    ("GET", "/api/analytics/swarms"): LEAD,
    ("GET", "/api/analytics/surveys"): LEAD,
    ("GET", "/api/analytics/knowledge"): LEAD,
    ("GET", "/api/analytics/unanswered"): LEAD,
    ("GET", "/api/analytics/conversations"): LEAD,  # without a metric: 422, still served
    ("POST", "/api/analytics/unanswered/{cluster}/draft"): LEAD,  # an unknown cluster: 404, still served
    ("GET", "/api/analytics/export/figures.csv"): LEAD,
    ("GET", "/api/analytics/export/events.csv"): LEAD,
    # last: these end the chat or the swarm for the routes after them
    ("POST", "/api/swarms/{swarm_id}/close"): OWNER,
    ("POST", "/api/conversations/{conversation_id}/hand-back"): HOLDER,
    ("POST", "/api/desk/conversations/{conversation_id}/close"): HOLDER,
    ("POST", "/api/conversations/{conversation_id}/end"): CUSTOMER,
}


@pytest.fixture
def world(own_database, monkeypatch, redis_prefix):
    """A chat the agent holds, its case, a swarm on it with the expert in the room and a message, a guest link, an
    article, and a bearer header for every kind of caller."""
    with app_client(
        monkeypatch,
        **own_database,
        redis_prefix=f"{redis_prefix}m{uuid.uuid4().hex[:6]}",
        router_interval_seconds=3600,
        scheduler_interval_seconds=3600,
        notify_interval_seconds=3600,
    ) as client:
        ids, auth = {}, {"anonymous": {}, "bot": {"Authorization": "Bearer test-bot-token"}}
        roles = {"colleague": ["agent"]} | {kind: [kind] for kind in ("agent", "expert", "editor", "lead")}
        for kind, kind_roles in (roles | {"admin": ["admin"]}).items():
            ids[kind], auth[kind] = person(f"Matrix {kind.title()}", kind_roles, "billing")
        for kind in ("agent", "colleague"):
            mark_online(ids[kind], name=kind, skills=[])
        for kind in ("customer", "stranger"):
            opened = client.post("/api/conversations").json()
            ids[kind], auth[kind] = opened["conversation_id"], {"Authorization": f"Bearer {opened['token']}"}
        conversation = ids["customer"]
        handoff = {"conversation_id": conversation, "reason": "kb_unanswerable", "packet": {"summary": "charged twice"}}
        assert client.post("/api/bot/handoff", json=handoff, headers=auth["bot"]).json()["status"] == "queued"
        assert client.post(f"/api/desk/conversations/{conversation}/accept", headers=auth["agent"]).status_code == 200
        hi = client.post(f"/api/desk/conversations/{conversation}/messages", json={"text": "Hi"}, headers=auth["agent"])
        case = {"customer_email": "rita@example.com", "subject": "Charged twice", "tags": ["billing"]}
        made = client.post(f"/api/desk/conversations/{conversation}/case", json=case, headers=auth["agent"])
        number = made.json()["number"]
        swarm = client.post(
            "/api/swarms", json={"case_number": number, "conversation_id": conversation}, headers=auth["agent"]
        ).json()["id"]
        invite = {"person_ids": [ids["expert"]]}
        client.post(f"/api/swarms/{swarm}/invitations", json=invite, headers=auth["agent"])
        invitation = client.get("/api/swarms/mine", headers=auth["expert"]).json()["invitations"][0]["id"]
        client.post(f"/api/swarms/invitations/{invitation}/accept", headers=auth["expert"])
        said = client.post(f"/api/swarms/{swarm}/messages", json={"text": "Refund it"}, headers=auth["expert"])
        guest = client.post(f"/api/swarms/{swarm}/guests", json={"name": "Partner"}, headers=auth["agent"]).json()
        article = client.post(
            "/api/kb/articles", json={"title": "Matrix", "body": "Body.", "questions": []}, headers=auth["editor"]
        ).json()
        values = {
            "conversation_id": conversation, "article_id": article["id"], "to_version": 1, "job_id": "no-such-job",
            "number": number, "seq": 1, "swarm_id": swarm, "invitation_id": invitation, "answer": "accept",
            "message_id": said.json()["id"], "guest_id": guest["id"], "user_id": ids["expert"], "session_id": 1,
            "token_id": 1, "reply_id": _team_reply(client, auth["admin"]), "chat_message_id": hi.json()["id"],
            "cluster": 987654, "locale": "nl",
        }  # fmt: skip
        yield client, auth, values, bodies_for(values, ids)
        for kind in ("agent", "colleague"):
            mark_offline(ids[kind])


def _team_reply(client, admin: dict) -> int:
    """A team reply shared with everyone (one of those the migration keeps from the desk's fixed list)."""
    replies = client.get("/api/canned", headers=admin).json()["replies"]
    return next(reply["id"] for reply in replies if reply["share"] == "everyone")


def answered(status: int) -> object:
    """The matrix's word for a status: OK when served, else the refusal."""
    return status if status in (401, 403) else OK


def test_the_table_lists_every_route_of_the_spec(world):
    client, *_ = world
    spec = {(method.upper(), path) for path, ops in client.app.openapi()["paths"].items() for method in ops}
    assert sorted(spec - set(ROUTES)) == [], "routes without a row: write down who may call them"
    assert sorted(set(ROUTES) - spec) == [], "rows for routes that are gone"


def test_every_caller_gets_what_the_table_says(world):
    client, auth, values, bodies = world
    refused = [(route, caller) for route, expected in ROUTES.items() for caller in CALLERS if expected[caller] != OK]
    served = [(route, caller) for route, expected in ROUTES.items() for caller in CALLERS if expected[caller] == OK]
    wrong, errors = [], []
    for (method, template), caller in refused + served:  # refusals first: they must change nothing the rest need
        path = template.format(**values)
        answer = client.request(method, path, json=bodies.get((method, template), {}), headers=auth[caller])
        expected = ROUTES[(method, template)][caller]
        got = answer.status_code if expected != OK and answer.status_code == expected else answered(answer.status_code)
        if answer.status_code >= 500 and answer.status_code != 503:  # 503: Rasa is down here, and the answer says so
            errors.append((method, template, caller, answer.status_code))
        elif got != expected:
            wrong.append((method, template, caller, expected, answer.status_code, answer.text[:80]))
    assert errors == []
    assert wrong == [], "\n".join(map(str, wrong))
