"""The case API: agents work cases; customers open them from a conversation and look up their own."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import BaseModel
from starlette.convertors import Convertor, register_url_convertor

from app.deps import AgentDep, Caller, CaseServiceDep, SessionDep, SettingsDep, client_address
from app.openapi import refusals
from app.refusals import REFUSED, refusal, staff_actor
from cases import Actor, CaseFilter, CaseNotFound, CaseUpdate
from cases.models import Case
from cases.schemas import (
    CASE_NUMBER_PATTERN,
    CaseCreateRequest,
    CaseLookup,
    CustomerCaseView,
    NoteCreate,
    Priority,
    Status,
)
from cases.views import customer_view
from core import ratelimit
from handoff import service as conversations
from handoff.models import Conversation
from people.auth import Principal
from people.models import User

router = APIRouter(prefix="/api/cases", tags=["cases"], responses=refusals(401, 403, 409, 429))


class CaseNumberInPath(Convertor):
    """`{number:case_number}` matches any path segment but `lookup`, so PATCH /api/cases/lookup is a 405, not a
    malformed case number (a malformed one still gets 422 naming it)."""

    regex = r"(?!lookup$)[^/]+"

    def convert(self, value: str) -> str:
        """The number as given."""
        return value

    def to_string(self, value: str) -> str:
        """The number as given."""
        return value


register_url_convertor("case_number", CaseNumberInPath())
Number = Annotated[str, Path(pattern=CASE_NUMBER_PATTERN, description="a case number such as CS-10428")]
NOT_FOUND = "no case with that number and email"  # the same answer for a wrong email and an unknown number


class CaseCreated(BaseModel):
    """The new case's number (what the bot tells the customer) and status."""

    number: str
    status: str
    version: int


def _detail(service, case: Case) -> dict:
    """The agents' view of a case: every field, the timeline, links and email deliveries."""
    fields = {c.name: getattr(case, c.name) for c in Case.__table__.columns if c.name not in {"id", "parent_id"}}
    parent = service.session.get(Case, case.parent_id) if case.parent_id else None
    return fields | {
        "parent_number": parent.number if parent else None,
        "children": [child.number for child in service.children(case)],
        "conversations": service.conversations(case),
        "timeline": [
            {k: getattr(e, k) for k in ("id", "kind", "actor", "actor_name", "public", "text", "data", "created_at")}
            for e in case.timeline
        ],
        "emails": [
            {k: getattr(m, k) for k in ("id", "kind", "to", "subject", "status", "attempts", "last_error", "sent_at")}
            for m in service.emails(case)
        ],
    }


def _customer_conversation(request: Request, session, caller: Principal | None, conversation_id: str | None):
    """The conversation a customer call speaks for: its own token, or the bot's service token on its behalf."""
    if conversation_id is None:
        return None
    conversation = session.get(Conversation, conversation_id)
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    is_bot = caller is not None and "service" in caller.roles
    if conversation is None or not (is_bot or (token and conversations.token_matches(conversation, token))):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "conversation_id: unknown conversation or wrong token")
    return conversation


def _client_address(request: Request, caller: Principal | None, customer_ip: str | None) -> str:
    """The customer's address: the bot passes it on (Rasa metadata); everyone else is who connected."""
    if caller is not None and "service" in caller.roles and customer_ip:
        return customer_ip
    return client_address(request)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_case(
    body: CaseCreateRequest,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cases: CaseServiceDep,
    caller: Caller,
) -> CaseCreated:
    """Open a case from a conversation (its token, or the bot's service token), or as an agent."""
    conversation = _customer_conversation(request, session, caller, body.conversation_id)
    if conversation is None and not (caller and caller.has_any(("agent",))):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "conversation_id: a case is opened from a conversation")
    if conversation is not None:
        address = _client_address(request, caller, body.customer_ip)
        for bucket in (f"case-create:{address}", f"case-create:{conversation.id}"):
            ratelimit.enforce(
                bucket=bucket, limit=settings.case_lookups_per_hour, window_seconds=3600, what="new cases"
            )
    actor = staff_actor(caller) if caller else Actor("customer", body.customer_name or "Customer")
    try:
        case = cases.create(
            body,
            actor,
            conversation_id=conversation.id if conversation else None,
            language=conversation.speaks if conversation else None,
        )
        cases.commit()
    except REFUSED as error:
        raise refusal(error) from error
    return CaseCreated(number=case.number, status=case.status, version=case.version)


@router.post("/lookup", responses=refusals(404))
def lookup_case(
    body: CaseLookup,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    cases: CaseServiceDep,
    caller: Caller,
) -> CustomerCaseView:
    """A customer's view of their case, given its number and email, or from a conversation linked to it."""
    conversation = _customer_conversation(request, session, caller, body.conversation_id)
    address = _client_address(request, caller, body.customer_ip)
    buckets = [f"case-lookup:{address}"] + ([f"case-lookup:{conversation.id}"] if conversation else [])
    for bucket in buckets:
        ratelimit.enforce(bucket=bucket, limit=settings.case_lookups_per_hour, window_seconds=3600, what="case lookups")
    case = cases.customer_lookup(
        body.number, email=body.email, conversation_id=conversation.id if conversation else None
    )
    if case is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return CustomerCaseView.model_validate(customer_view(case, show_assignee=settings.case_show_assignee))


@router.get("")
def list_cases(
    agent: AgentDep,
    cases: CaseServiceDep,
    status_: Annotated[Status | None, Query(alias="status")] = None,
    priority: Priority | None = None,
    assignee: Annotated[str | None, Query(pattern=r"^(me|none|\d+)$", description="me, none or a user id")] = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    breached: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 25,
) -> dict:
    """Cases for agents, filtered and paginated, most recently updated first."""
    wanted = CaseFilter(
        status=status_,
        priority=priority,
        assignee_id=agent.user_id if assignee == "me" else int(assignee) if assignee and assignee != "none" else None,
        unassigned=assignee == "none",
        tag=tag.lower() if tag else None,
        breached=breached,
        page=page,
        per_page=per_page,
    )
    items, total = cases.find(wanted)
    summary = (
        "number",
        "subject",
        "status",
        "priority",
        "customer_email",
        "assignee_name",
        "tags",
        "updated_at",
        "first_response_due",
        "resolution_due",
        "first_response_breached",
        "resolution_breached",
        "version",
    )
    return {
        "items": [{name: getattr(case, name) for name in summary} for case in items],
        "total": total,
        "page": page,
        "per_page": per_page,
    }


@router.get("/{number:case_number}")
def get_case(number: Number, agent: AgentDep, cases: CaseServiceDep) -> dict:
    """One case with its timeline, linked conversations, child cases and emails."""
    try:
        return _detail(cases, cases.get(number))
    except CaseNotFound as error:
        raise refusal(error) from error


@router.patch("/{number:case_number}")
def update_case(
    number: Number, change: CaseUpdate, agent: AgentDep, session: SessionDep, cases: CaseServiceDep
) -> dict:
    """Change status, priority, subject, tags, assignee or parent; a stale `version` or a refused change is 409."""
    assignee_name = None
    if change.assignee_id is not None:
        user = session.get(User, change.assignee_id)
        if user is None or not user.active or "agent" not in user.role_set:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "assignee_id: not an active agent")
        assignee_name = user.display_name
    try:
        case = cases.update(number, change, staff_actor(agent), assignee_name=assignee_name)
        cases.commit()
    except REFUSED as error:
        session.rollback()
        raise refusal(error) from error
    return _detail(cases, case)


@router.post("/{number:case_number}/notes", status_code=status.HTTP_201_CREATED)
def add_note(number: Number, note: NoteCreate, agent: AgentDep, session: SessionDep, cases: CaseServiceDep) -> dict:
    """Add an internal note, or a public one that reaches the customer (and a major case's customers)."""
    try:
        entry = cases.add_note(number, note.text, staff_actor(agent), public=note.public)
        cases.commit()
    except REFUSED as error:
        session.rollback()
        raise refusal(error) from error
    return {
        "id": entry.id,
        "kind": entry.kind,
        "public": entry.public,
        "text": entry.text,
        "created_at": entry.created_at,
    }
