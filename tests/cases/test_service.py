"""Case service on SQLite and PostgreSQL: numbers, timeline, SLA with a controlled clock, auto-close, major cases."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from cases import CaseUpdate, TransitionError, VersionConflict
from cases.models import CaseEmail
from cases.views import customer_view
from tests.cases.conftest import AGENT, new_case


def test_a_new_case_gets_a_readable_number_a_timeline_entry_and_a_queued_email(service, published):
    case = new_case(service)
    assert case.number.startswith("CS-") and case.number[3:].isdigit()
    assert case.status == "new" and case.version == 1
    assert [(e.kind, e.actor_name) for e in case.timeline] == [("created", "Ana Agent")]
    emails = service.emails(case)
    assert [(m.kind, m.to, m.status) for m in emails] == [("created", "mia@example.com", "pending")]
    assert case.number in emails[0].subject
    assert [(e.kind, e.case_number) for e in published] == [("case.created", case.number)]


def test_sla_due_times_follow_the_priority_and_pause_while_waiting_on_the_customer(service, clock):
    case = new_case(service, priority="high")
    assert case.first_response_due == clock.now + timedelta(minutes=60)
    assert case.resolution_due == clock.now + timedelta(minutes=1440)
    original_due = case.resolution_due
    service.update(case.number, CaseUpdate(version=case.version, status="pending_customer"), AGENT)
    service.commit()
    clock.advance(hours=5)
    service.update(case.number, CaseUpdate(version=case.version, status="open"), AGENT)
    service.commit()
    assert case.resolution_due == original_due + timedelta(hours=5)  # the five paused hours do not count
    assert case.first_response_due == clock.now - timedelta(hours=5) + timedelta(minutes=60)


def test_breaches_are_flagged_once_and_never_while_paused(service, clock):
    urgent = new_case(service, priority="urgent")
    waiting = new_case(service, priority="urgent")
    service.update(waiting.number, CaseUpdate(version=waiting.version, status="pending_customer"), AGENT)
    service.commit()

    def flags(case):
        return case.first_response_breached, case.resolution_breached

    clock.advance(minutes=14)
    service.mark_breaches()
    assert flags(urgent) == flags(waiting) == (False, False)
    clock.advance(minutes=2)
    service.mark_breaches()
    assert flags(urgent) == flags(waiting) == (True, False)  # nobody has answered either customer yet
    clock.advance(hours=5)
    service.mark_breaches()
    service.mark_breaches()
    service.commit()
    assert flags(urgent) == (True, True)
    assert flags(waiting) == (True, False)  # its resolution clock is paused while waiting on the customer
    assert [e.data["target"] for e in urgent.timeline if e.kind == "sla_breached"] == ["first_response", "resolution"]


def test_resolving_needs_a_note_and_records_first_response(service):
    case = new_case(service)
    with pytest.raises(TransitionError, match="resolution note"):
        service.update(case.number, CaseUpdate(version=case.version, status="resolved"), AGENT)
    service.session.rollback()
    service.update(case.number, CaseUpdate(version=case.version, status="resolved", resolution="Reset the hub."), AGENT)
    service.commit()
    assert case.status == "resolved" and case.resolution == "Reset the hub." and case.first_response_at is not None
    assert [m.kind for m in service.emails(case)] == ["created", "resolved"]


def test_resolved_cases_close_after_n_days_and_a_customer_reply_reopens(service, clock):
    quiet, answered = new_case(service), new_case(service)
    for case in (quiet, answered):
        service.update(case.number, CaseUpdate(version=case.version, status="resolved", resolution="Fixed."), AGENT)
    service.commit()
    clock.advance(days=3)
    service.customer_replied(answered, "It broke again this morning")
    service.commit()
    assert answered.status == "open" and answered.resolved_at is None
    assert answered.resolution_due == clock.now + timedelta(minutes=4320)
    clock.advance(days=3)
    service.auto_close(after_days=7)
    assert quiet.status == "resolved"  # six days: not yet
    clock.advance(days=2)
    assert service.auto_close(after_days=7) >= 1
    service.commit()
    assert quiet.status == "closed" and answered.status == "open"
    assert [e.kind for e in answered.timeline][-2:] == ["customer_message", "reopened"]


def test_a_public_update_on_a_major_case_reaches_every_child(service, published):
    outage = new_case(service, subject="Cloud outage: hubs offline", customer_email="ops@lumora.example")
    children = [new_case(service, customer_email=f"c{i}@example.com") for i in range(3)]
    for child in children:
        service.update(child.number, CaseUpdate(version=child.version, parent_number=outage.number), AGENT)
    service.commit()
    published.clear()
    service.add_note(outage.number, "Service is restored; restart your hub.", AGENT, public=True)
    service.commit()
    updates = sorted(e.case_number for e in published if e.kind == "case.public_update")
    assert updates == sorted([outage.number] + [c.number for c in children])
    for child in children:
        assert [m.kind for m in service.emails(child)][-1] == "public_update"
        assert child.timeline[-1].public and child.timeline[-1].data == {"from": outage.number}
    service.update(outage.number, CaseUpdate(version=outage.version, status="resolved", resolution="Restored."), AGENT)
    service.commit()
    assert {child.status for child in children} == {"resolved"}


def test_internal_notes_never_reach_the_customer_view(service):
    case = new_case(service)
    service.add_note(case.number, "Customer sounds annoyed; VIP", AGENT, public=False)
    service.add_note(case.number, "We are sending a replacement hub.", AGENT, public=True)
    service.commit()
    view = customer_view(case, show_assignee=False)
    assert [u["text"] for u in view["public_updates"]] == ["We are sending a replacement hub."]
    assert "VIP" not in str(view)


def test_a_stale_version_is_refused_and_nothing_is_overwritten(service):
    case = new_case(service)
    service.update(case.number, CaseUpdate(version=1, priority="high"), AGENT)
    service.commit()
    with pytest.raises(VersionConflict):
        service.update(case.number, CaseUpdate(version=1, priority="low"), AGENT)
    service.session.rollback()
    assert service.get(case.number).priority == "high"


def test_two_sessions_saving_the_same_version_at_once_one_wins(engine, service):
    case = new_case(service)
    barrier, outcomes = threading.Barrier(2), []

    def save(priority: str) -> None:
        with Session(engine) as session:
            from cases import CaseService

            other = CaseService(session)
            other.get(case.number)  # both read version 1 before either writes
            barrier.wait()
            try:
                other.update(case.number, CaseUpdate(version=1, priority=priority), AGENT)
                other.commit()
                outcomes.append(priority)
            except VersionConflict:
                outcomes.append("conflict")

    threads = [threading.Thread(target=save, args=(p,)) for p in ("high", "urgent")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes, key=str) != ["conflict", "conflict"] and outcomes.count("conflict") == 1
    service.session.expire_all()
    winner = next(o for o in outcomes if o != "conflict")
    assert service.get(case.number).priority == winner and service.get(case.number).version == 2


def test_emails_are_delivered_and_a_failed_send_is_retried_and_visible(service, clock):
    from cases.emails import deliver_due

    case = new_case(service)
    sent = []

    def refuse(**message):
        raise ConnectionRefusedError("SMTP 127.0.0.1:1 refused the connection")

    assert deliver_due(service.session, refuse, clock.now) == 0
    email = service.session.get(CaseEmail, service.emails(case)[0].id)
    assert (email.status, email.attempts, email.last_error) == ("pending", 1, "SMTP 127.0.0.1:1 refused the connection")
    assert deliver_due(service.session, lambda **m: sent.append(m) or "id", clock.now) == 0  # not due yet
    clock.advance(minutes=1)
    assert deliver_due(service.session, lambda **m: sent.append(m) or "id", clock.now) >= 1
    service.session.refresh(email)
    assert email.status == "sent" and email.attempts == 2 and [m["to"] for m in sent].count("mia@example.com") >= 1
