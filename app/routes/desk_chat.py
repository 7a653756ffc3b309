"""The agents' desk API around one conversation: transcript, replies, typing, internal notes, context, assist,
case."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, status
from pydantic import StringConstraints
from sqlalchemy import select

from app.deps import (
    AgentDep,
    CaseIndexDep,
    CaseServiceDep,
    DeskConversation,
    HeldConversation,
    KnowledgeBaseDep,
    ReaderDep,
    SessionDep,
    SettingsDep,
    check_text,
)
from app.openapi import refusals
from app.refusals import REFUSED, refusal, staff_actor
from cases import CaseCreate, CaseFilter
from cases.schemas import CASE_NUMBER_PATTERN
from core.db import as_utc, release
from core.inputs import RequestBody, words
from core.realtime import publish_conversation
from handoff import customers, service
from handoff.desk import assist as desk_assist
from handoff.desk import relay
from handoff.models import AgentMessage, ConversationNote, Handoff, MessageRead, MessagesRead
from language import NAMES

router = APIRouter(
    prefix="/api/desk/conversations/{conversation_id}", tags=["desk"], responses=refusals(401, 403, 409, 429, 503)
)
Text = words()


class DeskTranscript(MessagesRead):
    """The transcript as the desk reads it: who the customer is, too."""

    customer: str


class CaseLink(RequestBody):
    """An existing case to link the conversation to."""

    number: Annotated[str, StringConstraints(pattern=CASE_NUMBER_PATTERN)]


@router.get("/messages")
def transcript(
    conversation_id: str,
    conversation: DeskConversation,
    reader: ReaderDep,
    session: SessionDep,
    after: Annotated[int, Query(ge=0)] = 0,
) -> DeskTranscript:
    """The whole conversation after `after`, bot turns included (any agent may read a handed-off chat, a lead or
    admin any chat); the customer's lines under their name (`customer`)."""
    messages = service.messages_after(session=session, conversation_id=conversation_id, after=after)
    customer = customers.label(session, conversation_id)
    release(session)  # fetched on every reconnect: the connection goes back before the response is serialized
    shown = [customers.named(service.to_read(m), customer) for m in messages]
    return DeskTranscript(messages=shown, state=conversation.state, customer=customer)


@router.post("/messages")
async def send(
    conversation_id: str, body: AgentMessage, agent: AgentDep, request: Request, settings: SettingsDep
) -> MessageRead:
    """Send the customer a message as the agent who holds the conversation."""
    check_text(body.text, settings)
    message = await relay.from_agent(request, conversation_id, agent, body.text, body.ref)
    return service.to_read(message)


@router.post("/typing", status_code=status.HTTP_204_NO_CONTENT)
def typing(conversation_id: str, conversation: HeldConversation, agent: AgentDep, session: SessionDep) -> None:
    """Show the customer that the agent is typing."""
    publish_conversation(conversation_id, {"type": "typing", "sender": "agent", "name": agent.display_name})


@router.get("/problem")
def problem(conversation_id: str, conversation: DeskConversation, agent: AgentDep, session: SessionDep) -> dict:
    """The customer messages marked as the problem (they become the draft article's questions): {"seqs"}."""
    return {"seqs": service.problem_seqs(session, conversation_id)}


@router.put("/problem/{seq}")
def mark_problem(
    conversation_id: str, seq: Annotated[int, Path(ge=1, le=2**31 - 1)], conversation: HeldConversation,
    agent: AgentDep, session: SessionDep,
) -> dict:  # fmt: skip
    """Mark a customer message as part of the problem (the agent holding the chat): {"seqs"}."""
    return _marking(session, conversation_id, seq, agent.display_name, marked=True)


@router.delete("/problem/{seq}")
def unmark_problem(
    conversation_id: str, seq: Annotated[int, Path(ge=1, le=2**31 - 1)], conversation: HeldConversation,
    agent: AgentDep, session: SessionDep,
) -> dict:  # fmt: skip
    """Take the mark off a customer message: {"seqs"}."""
    return _marking(session, conversation_id, seq, agent.display_name, marked=False)


def _marking(session, conversation_id: str, seq: int, by: str, *, marked: bool) -> dict:
    """Set or clear a problem mark; 404 for an unknown message, 422 for one that is not the customer's."""
    try:
        return {"seqs": service.mark_problem(session, conversation_id, seq, by=by, marked=marked)}
    except service.NotTheCustomers as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    except LookupError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error


@router.get("/notes")
def notes(conversation_id: str, conversation: DeskConversation, agent: AgentDep, session: SessionDep) -> dict:
    """Internal notes on the conversation, oldest first (never shown to the customer)."""
    query = select(ConversationNote).where(ConversationNote.conversation_id == conversation_id)
    return {"notes": [_note(n) for n in session.scalars(query.order_by(ConversationNote.id))]}


@router.post("/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    conversation_id: str,
    conversation: DeskConversation,
    body: AgentMessage,
    agent: AgentDep,
    session: SessionDep,
    settings: SettingsDep,
):
    """Write an internal note (any agent on a handed-off conversation)."""
    check_text(body.text, settings)
    note = ConversationNote(
        conversation_id=conversation_id, author_id=agent.user_id, author_name=agent.display_name, text=body.text
    )
    session.add(note)
    session.commit()
    return _note(note)


def _note(note: ConversationNote) -> dict:
    """A note as the desk shows it."""
    return {
        "id": note.id,
        "author": note.author_name,
        "text": note.text,
        "created_at": as_utc(note.created_at).isoformat(),
    }


@router.get("/context")
def context(
    conversation_id: str, conversation: DeskConversation, agent: AgentDep, session: SessionDep, cases: CaseServiceDep
) -> dict:
    """What the agent needs beside the chat: the handoff packet, linked cases, who the customer is, their earlier
    history."""
    handoff = session.scalars(
        select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc())
    ).first()
    linked = cases.cases_of_conversation(conversation_id)
    email = linked[0].customer_email if linked else None
    earlier = cases.find(CaseFilter(customer_email=email, per_page=20))[0] if email else []
    others = {c for case in earlier for c in cases.conversations(case)} | set(
        customers.earlier_chats(session, conversation_id)
    )
    others = sorted(others - {conversation_id})
    return {
        "state": conversation.state,
        "language": conversation.speaks,
        "language_name": NAMES.get(conversation.speaks, conversation.speaks),
        "handoff": {"reason": handoff.reason, "skill": handoff.skill, "packet": handoff.packet} if handoff else None,
        "cases": [_case(case) for case in linked],
        "customer": customers.label(session, conversation_id),
        "customer_email": email,
        "earlier_cases": [_case(case) for case in earlier if case not in linked],
        "earlier_conversations": others,
    }


@router.get("/assist")
def assist(
    conversation_id: str,
    conversation: DeskConversation,
    agent: AgentDep,
    session: SessionDep,
    kb: KnowledgeBaseDep,
    past: CaseIndexDep,
) -> desk_assist.Suggestions:
    """KB articles (in the customer's language when it has translated articles, else English) and past resolved
    cases that match the customer's problem now (both empty when none does); 503 with Retry-After while another
    worker builds an index."""
    problem = desk_assist.problem(session, conversation_id)
    release(session)  # the searches need no connection
    _, articles = kb.searched(conversation.speaks)
    return desk_assist.suggest(problem, articles=articles, cases=past.retriever)


def _case(case) -> dict:
    """A case as the desk's case panel lists it."""
    return {"number": case.number, "subject": case.subject, "status": case.status, "version": case.version}


@router.post("/case", status_code=status.HTTP_201_CREATED)
def create_case(
    conversation_id: str,
    conversation: HeldConversation,
    body: CaseCreate,
    agent: AgentDep,
    session: SessionDep,
    cases: CaseServiceDep,
):
    """Open a case for the customer of a conversation this agent holds, linked to it."""
    try:
        case = cases.create(body, staff_actor(agent), conversation_id=conversation_id, language=conversation.speaks)
        cases.commit()
    except REFUSED as error:
        raise refusal(error) from error
    return _case(case)


@router.post("/case/link")
def link_case(
    conversation_id: str,
    conversation: HeldConversation,
    body: CaseLink,
    agent: AgentDep,
    session: SessionDep,
    cases: CaseServiceDep,
):
    """Link a conversation this agent holds to an existing case."""
    try:
        case = cases.get(body.number)
        cases.link_conversation(case, conversation_id, staff_actor(agent))
        cases.commit()
    except REFUSED as error:
        raise refusal(error) from error
    return _case(case)
