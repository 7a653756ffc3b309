"""What stands behind an analytics figure, for leads and admins: one conversation (its transcript, its activity rows,
its cases) or one case (its facts, its timeline, its chats), read-only. The drill-down lists link here."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request, status
from fastapi.responses import HTMLResponse, Response

from analytics.drill import activity_rows
from app.deps import Caller, CaseServiceDep, SessionDep
from app.pages import staff_page
from cases import CaseNotFound
from cases.schemas import CASE_NUMBER_PATTERN
from handoff import service
from handoff.models import Conversation

pages = APIRouter(include_in_schema=False)
ROLES = ("lead",)  # and admins, as every staff gate
Number = Annotated[str, Path(pattern=CASE_NUMBER_PATTERN)]  # anything else is a 422 naming it, as in the cases API


@pages.get("/analytics/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_record(
    conversation_id: str, request: Request, staff: Caller, session: SessionDep, cases: CaseServiceDep
) -> Response:
    """One conversation as a lead reviews it (its rows alone when the chat itself is gone); 404 for an unknown id."""
    if staff is None or not staff.has_any(ROLES):
        return staff_page(request, staff, roles=ROLES, template="analytics_record.html", context={})
    conversation = session.get(Conversation, conversation_id)
    rows = activity_rows(session, conversation_id=conversation_id)
    if conversation is None and not rows:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no conversation {conversation_id}")
    facts = {"Chat": "no longer stored"}
    if conversation is not None:
        facts = {"Started": conversation.created_at, "State": conversation.state, "Language": conversation.speaks}
    context = {
        "title": f"Conversation {conversation_id[:8]}",
        "facts": facts,
        "messages": service.messages_after(session=session, conversation_id=conversation_id),
        "rows": rows,
        "cases": [case.number for case in cases.cases_of_conversation(conversation_id)],
        "chats": [],
    }
    return staff_page(request, staff, roles=ROLES, template="analytics_record.html", context=context)


@pages.get("/analytics/cases/{number}", response_class=HTMLResponse)
def case_record(
    number: Number, request: Request, staff: Caller, session: SessionDep, cases: CaseServiceDep
) -> Response:
    """One case as a lead reviews it; 404 for an unknown number."""
    if staff is None or not staff.has_any(ROLES):
        return staff_page(request, staff, roles=ROLES, template="analytics_record.html", context={})
    try:
        case = cases.get(number)
    except CaseNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {number}") from error
    facts = {"Subject": case.subject, "Status": case.status, "Priority": case.priority, "Channel": case.channel}
    facts |= {"Tags": ", ".join(case.tags) or "—", "Opened": case.created_at, "Resolved": case.resolved_at or "—"}
    context = {
        "title": f"Case {case.number}",
        "facts": facts,
        "messages": [],
        "timeline": case.timeline,
        "rows": activity_rows(session, case_id=case.id),
        "cases": [],
        "chats": cases.conversations(case),
    }
    return staff_page(request, staff, roles=ROLES, template="analytics_record.html", context=context)
