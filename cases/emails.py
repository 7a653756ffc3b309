"""Emails to the case's customer: composed and queued with the case change, delivered and retried afterwards."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases.models import Case, CaseEmail
from cases.survey_link import survey_url

log = logging.getLogger(__name__)
RETRY_MINUTES = (1, 5, 15, 60, 180, 720)  # after the 1st, 2nd, … failure; then the email is marked failed
SIGNATURE = "Customer Support"  # who signs the emails unless the case service is told
STUCK_AFTER = timedelta(minutes=10)  # a "sending" email whose worker died goes back to the queue
Send = Callable[..., str]  # send(to=, subject=, body=) -> message id; raises on failure


def compose(kind: str, case: Case, *, text: str = "", signature: str = SIGNATURE) -> tuple[str, str]:
    """The subject and body of a customer email of `kind` (created, public_update, resolved)."""
    greeting = f"Hello {case.customer_name}," if case.customer_name else "Hello,"
    footer = f"\n\nYour case number is {case.number}. Quote it whenever you contact us.\n— {signature}"
    if kind == "created":
        subject = f"[{case.number}] We have your request: {case.subject}"
        body = f"{greeting}\n\nThanks for contacting us. We opened case {case.number} about “{case.subject}”."
        if case.reason == "no_agent":
            body += " Nobody could take your chat just now, so we will answer by email."
    elif kind == "public_update":
        subject = f"[{case.number}] Update on your case: {case.subject}"
        body = f"{greeting}\n\nThere is news about your case:\n\n{text}"
    elif kind == "resolved":
        subject = f"[{case.number}] Resolved: {case.subject}"
        body = f"{greeting}\n\nWe have resolved your case.\n\n{case.resolution}\n\nIf this did not fix it, just reply."
        body += f"\n\nHow did we do? Two quick questions: {survey_url(case.id)}"
    else:
        raise ValueError(f"unknown email kind {kind!r}")
    return subject, body + footer


def queue(
    session: Session, case: Case, kind: str, now: datetime, *, text: str = "", signature: str = SIGNATURE
) -> CaseEmail:
    """Add a pending email for the case's customer to the current transaction."""
    subject, body = compose(kind, case, text=text, signature=signature)
    email = CaseEmail(case_id=case.id, kind=kind, to=case.customer_email, subject=subject, body=body)
    email.next_attempt_at = now
    email.created_at = now
    session.add(email)
    return email


def deliver_due(session: Session, send: Send, now: datetime, *, limit: int = 50) -> int:
    """Send every pending email that is due (claimed one by one, so two workers never send one twice)."""
    session.execute(
        update(CaseEmail)
        .where(CaseEmail.status == "sending", CaseEmail.next_attempt_at < now - STUCK_AFTER)
        .values(status="pending")
    )
    session.commit()
    due = session.scalars(
        select(CaseEmail.id)
        .where(CaseEmail.status == "pending", CaseEmail.next_attempt_at <= now)
        .order_by(CaseEmail.id)
        .limit(limit)
    ).all()
    sent = 0
    for email_id in due:
        sent += _deliver_one(session, send, email_id, now)
    return sent


def _deliver_one(session: Session, send: Send, email_id: int, now: datetime) -> int:
    """Claim one email and try to send it; 1 if it went, 0 otherwise (the failure is recorded on it)."""
    claimed = session.execute(
        update(CaseEmail)
        .where(CaseEmail.id == email_id, CaseEmail.status == "pending")
        .values(status="sending", next_attempt_at=now)
    ).rowcount
    session.commit()
    if not claimed:
        return 0
    email = session.get(CaseEmail, email_id)
    try:
        send(to=email.to, subject=email.subject, body=email.body)
    except Exception as error:  # any failure: record it and retry later
        email.attempts += 1
        email.last_error = str(error)[:500] or type(error).__name__
        retry = email.attempts <= len(RETRY_MINUTES)
        email.status = "pending" if retry else "failed"
        if retry:
            email.next_attempt_at = now + timedelta(minutes=RETRY_MINUTES[email.attempts - 1])
        log.warning("email %s for case %s not sent (attempt %s): %s", email.id, email.case_id, email.attempts, error)
        session.commit()
        return 0
    email.attempts += 1
    email.status, email.sent_at, email.last_error = "sent", now, None
    session.commit()
    return 1
