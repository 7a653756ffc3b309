"""Emails to the case's customer, in the case's language: composed and queued with the case change, delivered and
retried afterwards."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cases.models import Case, CaseEmail
from cases.survey_link import survey_url
from language.catalog import translate

log = logging.getLogger(__name__)
RETRY_MINUTES = (1, 5, 15, 60, 180, 720)  # after the 1st, 2nd, … failure; then the email is marked failed
STUCK_AFTER = timedelta(minutes=10)  # a "sending" email whose worker died goes back to the queue
Send = Callable[..., str]  # send(to=, subject=, body=) -> message id; raises on failure

# What the emails say, in English; the catalogs (language/locales) give them in the case's language.
GREETING_TEXT = "Hello,"
GREETING_NAMED_TEXT = "Hello {name},"
CREATED_SUBJECT_TEXT = "[{number}] We have your request: {subject}"
CREATED_TEXT = "Thanks for contacting us. We opened case {number} about “{subject}”."
NO_AGENT_TEXT = "Nobody could take your chat just now, so we will answer by email."
UPDATE_SUBJECT_TEXT = "[{number}] Update on your case: {subject}"
UPDATE_TEXT = "There is news about your case:"
RESOLVED_SUBJECT_TEXT = "[{number}] Resolved: {subject}"
RESOLVED_TEXT = "We have resolved your case."
NOT_FIXED_TEXT = "If this did not fix it, just reply."
SURVEY_TEXT = "How did we do? Two quick questions: {url}"
FOOTER_TEXT = "Your case number is {number}. Quote it whenever you contact us."
SIGNATURE_TEXT = "— {company} Support"
TEAM_SIGNATURE_TEXT = "— Customer Support"  # who signs when the case service is not told the company's name


def compose(kind: str, case: Case, *, text: str = "", company: str = "") -> tuple[str, str]:
    """The subject and body of a customer email of `kind` (created, public_update, resolved) in the case's language;
    the customer's and agents' own words (subject, update, resolution) as written."""

    def say(template: str, **values: str) -> str:
        """`template` in the case's language, its placeholders filled with `values` as written."""
        return translate(template, case.language or "en").format(**values)

    number, subject = case.number, case.subject
    if kind == "created":
        title = say(CREATED_SUBJECT_TEXT, number=number, subject=subject)
        opened = say(CREATED_TEXT, number=number, subject=subject)
        said = [f"{opened} {say(NO_AGENT_TEXT)}" if case.reason == "no_agent" else opened]
    elif kind == "public_update":
        title = say(UPDATE_SUBJECT_TEXT, number=number, subject=subject)
        said = [say(UPDATE_TEXT), text]
    elif kind == "resolved":
        title = say(RESOLVED_SUBJECT_TEXT, number=number, subject=subject)
        survey = say(SURVEY_TEXT, url=survey_url(case.id))
        said = [say(RESOLVED_TEXT), case.resolution or "", say(NOT_FIXED_TEXT), survey]
    else:
        raise ValueError(f"unknown email kind {kind!r}")
    greeting = say(GREETING_NAMED_TEXT, name=case.customer_name) if case.customer_name else say(GREETING_TEXT)
    signature = say(SIGNATURE_TEXT, company=company) if company else say(TEAM_SIGNATURE_TEXT)
    return title, "\n\n".join([greeting, *said, f"{say(FOOTER_TEXT, number=number)}\n{signature}"])


def queue(session: Session, case: Case, kind: str, now: datetime, *, text: str = "", company: str = "") -> CaseEmail:
    """Add a pending email for the case's customer to the current transaction."""
    subject, body = compose(kind, case, text=text, company=company)
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
