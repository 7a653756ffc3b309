"""The analytics API and page over HTTP: who may call them, how bad periods are refused, and what the exports
hold (formula cells escaped, customer text scrubbed)."""

import csv
import io

import pytest

from analytics import export
from analytics.export import safe_cell
from tests.conftest import staff_auth

VIEWS = ("overview", "containment", "handoffs", "swarms", "surveys", "knowledge", "unanswered")
READS = [f"/api/analytics/{view}" for view in VIEWS] + [
    "/api/analytics/conversations?metric=outcome&bucket=contained",
    "/api/analytics/export/figures.csv",
    "/api/analytics/export/events.csv",
]


@pytest.fixture
def callers(client):
    """A bearer header for each kind of caller."""
    opened = client.post("/api/conversations").json()
    found = {"anonymous": {}, "customer": {"Authorization": f"Bearer {opened['token']}"}}
    for role in ("agent", "editor", "expert", "lead", "admin"):
        found[role] = staff_auth(f"{role.title()} Person", [role])
    return found


def test_leads_and_admins_read_analytics_and_everyone_else_is_refused(client, callers):
    expected = {
        "anonymous": 401,
        "customer": 401,
        "agent": 403,
        "editor": 403,
        "expert": 403,
        "lead": 200,
        "admin": 200,
    }
    for path in READS:
        got = {caller: client.get(path, headers=headers).status_code for caller, headers in callers.items()}
        assert got == expected, path
    draft = "/api/analytics/unanswered/987654/draft"
    got = {caller: client.post(draft, headers=headers).status_code for caller, headers in callers.items()}
    assert got == expected | {"lead": 404, "admin": 404}  # no such cluster: the callers who may draft learn that


def test_the_page_sends_strangers_to_sign_in_refuses_agents_and_shows_leads_an_empty_state(client, callers):
    quiet = "/analytics?from=1999-01-01&to=1999-01-31"
    signed_out = client.get(quiet, follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/login")
    assert client.get(quiet, headers=callers["agent"]).status_code == 403
    page = client.get(quiet, headers=callers["lead"])
    assert page.status_code == 200
    assert '<p id="empty" class="empty-state card" >No conversations in this period yet.</p>' in page.text
    assert "/static/vendor/chartjs/chart.umd.js" in page.text
    assert '<a href="/analytics">Analytics</a>' in client.get("/account", headers=callers["lead"]).text
    assert '<a href="/analytics">Analytics</a>' not in client.get("/account", headers=callers["agent"]).text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=2024-13-01", "from", "valid date"),
        ("to=yesterday", "to", "YYYY-MM-DD"),
        ("from=2024-02-01&to=2024-01-01", "to", "must not be before from"),
        ("from=2020-01-01&to=2024-01-01", "to", "a period is at most 400 days long"),
        ("channel=fax", "channel", "'all', 'chat' or 'email'"),
        ("from=9999-12-01&to=9999-12-31", "to", "at most 9999-12-30"),  # its end's next midnight is past any date
    ],
)
def test_a_bad_period_is_a_422_naming_the_field(client, callers, query, field, message):
    for view in ("overview", "export/events.csv", "conversations?metric=survey&bucket=csat"):
        answer = client.get(f"/api/analytics/{view}{'&' if '?' in view else '?'}{query}", headers=callers["lead"])
        assert answer.status_code == 422, view
        [problem] = answer.json()["detail"]
        assert problem["loc"][-1] == field and message in problem["msg"]


def test_a_period_may_end_in_the_first_days_of_the_calendar(client, callers):
    answer = client.get("/api/analytics/overview?to=0001-01-05", headers=callers["lead"])
    assert answer.status_code == 200 and answer.json()["from"] == "0001-01-01"  # not 29 days before


def test_a_drill_down_needs_a_known_metric_and_a_bucket_that_fits_it(client, callers):
    lead = callers["lead"]
    assert client.get("/api/analytics/conversations?metric=mood", headers=lead).status_code == 422
    points = ("unanswered&bucket=abc", "unanswered&bucket=²", "survey&bucket=no", "outcome&bucket=ok", "wait&bucket=1h")
    for point in points:  # ² is a digit to isdigit(), no number to int()
        answer = client.get(f"/api/analytics/conversations?metric={point}", headers=lead)
        assert answer.status_code == 422 and answer.json()["detail"][0]["loc"][-1] == "bucket"
    empty = client.get("/api/analytics/conversations?metric=abandoned&from=1999-01-01&to=1999-01-02", headers=lead)
    assert empty.json()["total"] == 0 and empty.json()["items"] == []


def test_the_events_export_escapes_formulas_and_scrubs_customer_text(client, callers, history):
    question = '=HYPERLINK("http://evil.example") my email is rita.jones@example.com'
    history.conversation(("not_found", 0, {"detail": {"question": question}}), ("handoff", 1, {"reason": "-1+2"}))
    history.session.commit()
    period = f"from={history.day}&to={history.day}"
    answer = client.get(f"/api/analytics/export/events.csv?{period}", headers=callers["lead"])
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [row["kind"] for row in rows] == ["not_found", "handoff"]
    assert rows[0]["question"].startswith("'=HYPERLINK(")
    assert "rita.jones@example.com" not in answer.text and "[email]" in rows[0]["question"]
    assert rows[1]["reason"] == "'-1+2"


def test_the_events_export_reads_a_page_at_a_time_and_leaves_no_row_out(client, callers, history, monkeypatch):
    for n in range(5):
        history.conversation(("answer", n, {"article_id": f"paged-{n}"}))
    history.session.commit()
    monkeypatch.setattr(export, "PAGE", 2)  # five rows: three pages, each read in a session of its own
    period = f"from={history.day}&to={history.day}"
    answer = client.get(f"/api/analytics/export/events.csv?{period}", headers=callers["lead"])
    assert [row["article_id"] for row in csv.DictReader(io.StringIO(answer.text))] == [f"paged-{n}" for n in range(5)]


@pytest.mark.parametrize("cell", ["=1+2", "+1+2", "-1+2", "@SUM(A1:A9)", "\t=1+2", "\r=1+2"])
def test_a_cell_starting_with_any_formula_character_gets_a_leading_quote(cell):
    assert safe_cell(cell) == "'" + cell
    assert safe_cell(f"a {cell}") == f"a {cell}"  # only the start of a cell makes a formula


def test_the_figures_export_lists_each_figure_with_what_it_counts(client, callers, history):
    history.conversation(("answer", 0, {"article_id": "pair-hub"}), ("helpful", 1, {"article_id": "pair-hub"}))
    history.refresh()
    answer = client.get(
        f"/api/analytics/export/figures.csv?from={history.day}&to={history.day}", headers=callers["admin"]
    )
    rows = {(row["view"], row["figure"]): row for row in csv.DictReader(io.StringIO(answer.text))}
    contained = rows[("containment", "outcomes.contained")]
    assert (contained["value"], contained["numerator"], contained["denominator"]) == ("1.0", "1", "1")
    assert contained["counts"] == "contained / conversations decided"


def test_unanswered_clusters_and_their_export_show_customer_text_scrubbed(client, callers, history, embed):
    asked = "my parcel for rita.jones@example.com never came, call me on +44 20 7946 0958"
    history.conversation(("not_found", 0, {"detail": {"question": asked}}))
    history.refresh(embed=embed)
    period = f"from={history.day}&to={history.day}"
    [cluster] = client.get(f"/api/analytics/unanswered?{period}", headers=callers["lead"]).json()["clusters"]
    exported = client.get(f"/api/analytics/export/figures.csv?{period}", headers=callers["lead"]).text
    for shown in (cluster["label"], *cluster["examples"], exported):
        assert "rita.jones" not in shown and "7946" not in shown
    assert cluster["label"].startswith("my parcel for [email] never came") and "[email]" in exported


def test_a_day_is_written_yyyy_mm_dd_and_a_number_is_refused_naming_the_field(client, callers):
    refused = client.get("/api/analytics/overview?to=0", headers=callers["lead"])
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"][-1] == "to"
    assert client.get("/api/analytics/overview?to=2026-12-01", headers=callers["lead"]).status_code == 200
