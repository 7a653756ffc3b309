"""The records a drill-down links to: one conversation or one case, read-only, for leads and admins only."""

from tests.conftest import staff_auth


def _conversation(client) -> tuple[str, dict]:
    """A chat whose customer wrote markup, then ended it (a `close` row)."""
    opened = client.post("/api/conversations").json()
    customer = {"Authorization": f"Bearer {opened['token']}"}
    said = "<b>my hub</b> is offline again"
    path = f"/api/conversations/{opened['conversation_id']}/messages"
    assert client.post(path, json={"text": said}, headers=customer).status_code == 200
    assert client.post(f"/api/conversations/{opened['conversation_id']}/end", headers=customer).status_code == 200
    return opened["conversation_id"], customer


def test_a_lead_reads_a_conversation_record_with_its_transcript_escaped_and_its_rows(client):
    conversation_id, _ = _conversation(client)
    page = client.get(f"/analytics/conversations/{conversation_id}", headers=staff_auth("Lea Lead", ["lead"]))
    assert page.status_code == 200
    assert "&lt;b&gt;my hub&lt;/b&gt; is offline again" in page.text and "<b>my hub</b>" not in page.text
    assert "<td>close</td>" in page.text  # the activity row the figures count


def test_only_leads_and_admins_may_open_a_record_and_an_unknown_one_is_404(client):
    conversation_id, customer = _conversation(client)
    path = f"/analytics/conversations/{conversation_id}"
    assert client.get(path, headers=staff_auth("Ann Agent", ["agent"])).status_code == 403
    assert client.get(path, headers=customer, follow_redirects=False).status_code == 303  # to sign in
    assert client.get(path, headers=staff_auth("Ada Admin", ["admin"])).status_code == 200
    lead = staff_auth("Lea Lead", ["lead"])
    assert client.get("/analytics/conversations/no-such-chat", headers=lead).status_code == 404
    assert client.get("/analytics/cases/CS-99999999", headers=lead).status_code == 404
    for malformed in ("CS-²", f"CS-{'9' * 25}", "CS-1"):  # not a case number: refused naming it, as by the cases API
        refused = client.get(f"/analytics/cases/{malformed}", headers=lead)
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["path", "number"], malformed


def test_a_case_record_shows_its_facts_and_links_its_chat(client):
    conversation_id, customer = _conversation(client)
    body = {"conversation_id": conversation_id, "customer_email": "rita@example.com", "subject": "Hub offline"}
    number = client.post("/api/cases", json=body, headers=customer).json()["number"]
    page = client.get(f"/analytics/cases/{number}", headers=staff_auth("Lea Lead", ["lead"]))
    assert page.status_code == 200
    assert "Hub offline" in page.text and f'href="/analytics/conversations/{conversation_id}"' in page.text
    assert "case opened" in page.text


def test_every_analytics_page_sends_outsiders_to_sign_in_and_refuses_staff_without_the_lead_role(client):
    conversation_id, customer = _conversation(client)
    body = {"conversation_id": conversation_id, "customer_email": "rita@example.com", "subject": "Hub offline"}
    number = client.post("/api/cases", json=body, headers=customer).json()["number"]
    callers = {"anonymous": {}, "customer": customer}
    callers |= {role: staff_auth(f"{role.title()} Person", [role]) for role in ("agent", "editor", "expert", "lead")}
    callers["admin"] = staff_auth("Ada Admin", ["admin"])
    expected = dict.fromkeys(("anonymous", "customer"), 303) | dict.fromkeys(("agent", "editor", "expert"), 403)
    expected |= {"lead": 200, "admin": 200}  # strangers are sent to sign in, staff without the role get the 403 page
    for path in ("/analytics", f"/analytics/conversations/{conversation_id}", f"/analytics/cases/{number}"):
        got = {name: client.get(path, headers=h, follow_redirects=False).status_code for name, h in callers.items()}
        assert got == expected, path
