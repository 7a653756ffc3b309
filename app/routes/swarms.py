"""The swarm API: start a swarm on a case, find and invite experts, answer invitations, close."""

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import Field, StringConstraints
from sqlalchemy import select

from app.deps import AgentDep, CaseServiceDep, ExpertDep, RoomDep, SessionDep, SettingsDep
from app.openapi import refusals
from app.refusals import staff_actor
from app.swarm_access import linkable_conversation, owner_only, swarm_or_404
from cases import CaseNotFound, CaseUpdate
from cases.schemas import CASE_NUMBER_PATTERN
from core.inputs import RequestBody, words
from handoff.models import Handoff
from handoff.swarm.finder import may_swarm, rank
from handoff.swarm.flows import announce, mark_staff_seen, people_for_finder, suggested_skills, to_timeline
from handoff.swarm.models import SwarmInvitation
from handoff.swarm.service import NotAllowed, SwarmClosed, SwarmService, Who
from people.auth import Principal
from people.models import User

router = APIRouter(prefix="/api/swarms", tags=["swarms"], responses=refusals(401, 403, 409, 410))
Skill = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


class SwarmStart(RequestBody):
    """A swarm on a case; the skills default to those the case suggests."""

    case_number: Annotated[str, StringConstraints(pattern=CASE_NUMBER_PATTERN)]
    conversation_id: Annotated[str, StringConstraints(max_length=36)] | None = None
    skills: Annotated[list[Skill], Field(max_length=10)] | None = None


class Invite(RequestBody):
    """People to invite (each must hold the expert or agent role)."""

    person_ids: Annotated[list[int], Field(min_length=1, max_length=10)]


class Closing(RequestBody):
    """How the swarm ended; resolving the case too is the usual way to close."""

    outcome: words(4000)
    resolve_case: bool = False


def _packet(session, conversation_id: str | None) -> dict | None:
    """The latest handoff packet of the conversation, if any."""
    if not conversation_id:
        return None
    query = select(Handoff).where(Handoff.conversation_id == conversation_id).order_by(Handoff.id.desc())
    handoff = session.scalars(query).first()
    return handoff.packet if handoff else None


def _refuse(error: Exception) -> HTTPException:
    """Map a refused swarm change to its answer."""
    if isinstance(error, SwarmClosed):
        return HTTPException(status.HTTP_409_CONFLICT, str(error))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error))


@router.post("", status_code=status.HTTP_201_CREATED, responses=refusals(404))
def start(body: SwarmStart, agent: AgentDep, session: SessionDep, settings: SettingsDep, cases: CaseServiceDep):
    """Start a swarm on a case; the agent starting it owns it and stays the customer's only contact."""
    try:
        case = cases.get(body.case_number)
    except CaseNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"case_number: no case {body.case_number}") from error
    conversation_id = linkable_conversation(cases, case, body.conversation_id, agent)
    skills = (
        body.skills if body.skills is not None else suggested_skills(settings, case, _packet(session, conversation_id))
    )
    swarms = SwarmService(session)
    swarm = swarms.start(
        case_number=case.number,
        conversation_id=conversation_id,
        owner=Who(agent.display_name, person_id=agent.user_id),
        skills=skills,
    )
    session.commit()
    to_timeline(session, swarm, "started", staff_actor(agent), skills=skills)
    return {"id": swarm.id, "url": f"/swarms/{swarm.id}", "skills": skills}


@router.get("/mine")
def mine(staff: ExpertDep, session: SessionDep) -> dict:
    """My pending invitations, the open rooms I am in, and my swarm counts (polling this keeps me online)."""
    mark_staff_seen(staff.user_id)
    swarms = SwarmService(session)
    invitations = [
        {
            "id": i.id,
            "swarm_id": i.swarm_id,
            "case_number": swarms.get(i.swarm_id).case_number,
            "expires_at": i.expires_at,
        }
        for i in swarms.pending_for(staff.user_id)
    ]
    rooms = [
        {"id": s.id, "case_number": s.case_number, "status": s.status, "owner": s.owner_name}
        for s in swarms.rooms_of(staff.user_id)
    ]
    counts = swarms.person_counts().get(staff.user_id, {"swarms_joined": 0, "answers_accepted": 0})
    return {"invitations": invitations, "rooms": rooms, "counts": counts}


@router.get("/people")
def people_counts(agent: AgentDep, session: SessionDep) -> dict:
    """Per person: swarms joined and answers accepted (recognition on the desk)."""
    names = {u.id: u.display_name for u in session.scalars(select(User))}
    counts = SwarmService(session).person_counts()
    return {"people": [{"id": pid, "name": names.get(pid, "?"), **c} for pid, c in sorted(counts.items())]}


@router.get("/{swarm_id}/suggestions")
def suggestions(
    swarm_id: int,
    room: RoomDep,
    session: SessionDep,
    skills: Annotated[str | None, Query(max_length=400, description="comma-separated; default the swarm's")] = None,
) -> dict:
    """Experts ranked for the needed skills (skill match, presence, load, recent swarms), owner excluded."""
    swarm, who, _ = room
    owner_only(swarm, who)
    swarms = SwarmService(session)
    needed = [s.strip() for s in skills.split(",") if s.strip()] if skills is not None else swarm.needed_skills
    asked = {i.person_id for i in swarms.invitations(swarm) if i.status in {"pending", "declined", "expired"}}
    exclude = {swarm.owner_id} | {m.person_id for m in swarms.members(swarm) if m.person_id} | asked
    ranked = rank(people_for_finder(session, swarms), needed, exclude=exclude)
    return {
        "skills": needed,
        "people": [{"id": s.person.id, "name": s.person.name, "matched": s.matched, "why": s.why} for s in ranked],
    }


@router.post("/{swarm_id}/invitations", status_code=status.HTTP_201_CREATED)
def invite(swarm_id: int, body: Invite, room: RoomDep, session: SessionDep, settings: SettingsDep) -> dict:
    """Invite people; someone without the expert or agent role → 422 naming them."""
    swarm, who, _ = room
    owner_only(swarm, who)
    swarms = SwarmService(session)
    people = {p.id: p for p in people_for_finder(session, swarms)}
    for person_id in body.person_ids:
        if person_id not in people or not may_swarm(people[person_id]):
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"person_ids: {person_id} cannot be invited (needs the expert or agent role and an active account)",
            )
    made = []
    try:
        for person_id in body.person_ids:
            expires = timedelta(seconds=settings.swarm_invite_seconds)
            made.append(swarms.invite(swarm, person_id=person_id, name=people[person_id].name, expires_in=expires))
    except (NotAllowed, SwarmClosed) as error:
        session.rollback()
        raise _refuse(error) from error
    session.commit()
    names = {i.person_id: i.person_name for i in made}
    text = f"{who.name} invited you to a swarm on {swarm.case_number}."
    announce(settings, swarm, "invited", actor=who.name, text=text, to=names)
    actor = staff_actor(Principal(who.person_id, who.name, frozenset()))
    to_timeline(session, swarm, "invited", actor, people=sorted(names.values()))
    return {"invitations": [{"id": i.id, "person_id": i.person_id, "expires_at": i.expires_at} for i in made]}


def _my_invitation(session, invitation_id: int, staff: Principal) -> SwarmInvitation:
    """The invitation if it is addressed to this person (404 otherwise)."""
    invitation = session.get(SwarmInvitation, invitation_id)
    if invitation is None or invitation.person_id != staff.user_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no invitation {invitation_id} for you")
    return invitation


@router.post("/invitations/{invitation_id}/{answer}")
def answer_invitation(
    invitation_id: int,
    answer: Literal["accept", "decline"],
    staff: ExpertDep,
    session: SessionDep,
    settings: SettingsDep,
) -> dict:
    """Accept (join the room as an expert) or decline (anything else → 422); an answered or expired one → 409."""
    invitation = _my_invitation(session, invitation_id, staff)
    swarms = SwarmService(session)
    swarm = swarm_or_404(session, invitation.swarm_id)
    try:
        swarms.answer(invitation, accept=answer == "accept")
    except (NotAllowed, SwarmClosed) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error
    session.commit()
    kind = "joined" if answer == "accept" else "declined"
    text = f"{staff.display_name} {kind} the swarm on {swarm.case_number}."
    announce(settings, swarm, kind, actor=staff.display_name, text=text, to={swarm.owner_id: swarm.owner_name})
    to_timeline(session, swarm, kind, staff_actor(staff))
    return {"swarm_id": swarm.id, "status": invitation.status, "url": f"/swarms/{swarm.id}"}


@router.post("/{swarm_id}/close")
def close(
    swarm_id: int, body: Closing, room: RoomDep, session: SessionDep, settings: SettingsDep, cases: CaseServiceDep
):
    """Close the room (read-only from now on); with `resolve_case` the case is resolved with the outcome."""
    swarm, who, _ = room
    owner_only(swarm, who)
    swarms = SwarmService(session)
    try:
        swarms.close(swarm, body.outcome)
    except SwarmClosed as error:
        raise _refuse(error) from error
    session.commit()
    actor = staff_actor(Principal(who.person_id, who.name, frozenset()))
    if body.resolve_case:
        case = cases.get(swarm.case_number)
        if case.status not in {"resolved", "closed"}:
            cases.update(
                case.number, CaseUpdate(version=case.version, status="resolved", resolution=body.outcome), actor
            )
            cases.commit()
    members = {m.person_id: m.name for m in swarms.history(swarm) if m.person_id and m.person_id != swarm.owner_id}
    announce(settings, swarm, "closed", actor=who.name, text=f"The swarm on {swarm.case_number} is closed.", to=members)
    to_timeline(session, swarm, "closed", actor, outcome=body.outcome, **swarms.figures(swarm))
    return {"status": swarm.status, "figures": swarms.figures(swarm)}
