"""Swarms in the app: people for the expert finder, the case timeline, live room frames, notifications and what the
room's guests see of the customer's chat."""

import logging
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases import Actor, CaseService
from cases.models import Case
from core.db import get_session_factory
from core.realtime import publish_agent, publish_room
from core.redis_client import get_redis, key
from core.settings import Settings
from handoff.desk import queue as agent_queue
from handoff.desk.presence import online_agents
from handoff.models import utcnow
from handoff.skills import skill_for, skills_by_tag
from handoff.swarm.finder import Person, rank
from handoff.swarm.models import Swarm
from handoff.swarm.service import SwarmService
from notify import SwarmNotice, utc_now_iso
from notify.delivery import queue_notice
from people.models import User

log = logging.getLogger(__name__)
STAFF_SEEN_SECONDS = 60  # an expert with the swarm page or a room open counts as online this long
RECENT_DAYS = 7
GUEST_VIEW_CHANGES = {  # a change of what guests see → its case-timeline kind (after "swarm_")
    "share": "message_shared",
    "unshare": "message_unshared",
    "reveal": "chat_revealed",
    "hide": "chat_hidden",
}


def mark_staff_seen(person_id: int) -> None:
    """Record that a staff member has Swarmdesk open (experts have no desk socket)."""
    try:
        get_redis().set(key("staff-seen", str(person_id)), "1", ex=STAFF_SEEN_SECONDS)
    except RedisError as error:
        log.warning("could not record presence of %s: %s", person_id, error)


def _seen(person_ids: list[int]) -> set[int]:
    """Which of these staff members were seen lately."""
    pipe = get_redis().pipeline()
    for person_id in person_ids:
        pipe.exists(key("staff-seen", str(person_id)))
    return {person_id for person_id, there in zip(person_ids, pipe.execute(), strict=True) if there}


def people_for_finder(session: Session, swarms: SwarmService) -> list[Person]:
    """Active staff with their skills, presence, chats held and recent swarms."""
    users = list(session.scalars(select(User).where(User.active.is_(True))))
    ids = [u.id for u in users]
    online = set(online_agents()) | _seen(ids)
    loads = agent_queue.loads(ids)
    recent = swarms.recent_swarms(utcnow() - timedelta(days=RECENT_DAYS))
    return [
        Person(
            id=u.id,
            name=u.display_name,
            roles=u.role_set,
            skills=frozenset(u.skill_list),
            online=u.id in online,
            load=loads[u.id][0],
            recent_swarms=recent.get(u.id, 0),
        )
        for u in users
    ]


def suggested_skills(settings: Settings, case: Case, packet: dict | None) -> list[str]:
    """Skills the case seems to need: from its tags, and from the KB articles the bot tried."""
    table = skills_by_tag(settings.skills_file)
    skills = [table.get(tag, tag) for tag in case.tags or []]
    from_packet = skill_for(packet or {}, table)
    return list(dict.fromkeys([*([from_packet] if from_packet else []), *skills]))[:5]


def to_timeline(session: Session, swarm: Swarm, kind: str, actor: Actor, **data) -> None:
    """Record a swarm event on its case's timeline."""
    cases = CaseService(session)
    cases.record_event(cases.get(swarm.case_number), f"swarm_{kind}", actor, data={"swarm_id": swarm.id, **data})
    cases.commit()


def guest_view(swarms: SwarmService, swarm: Swarm) -> dict:
    """What the room's guests see of the customer's chat: all of it (scrubbed), or the messages shared with them."""
    return {"reveal_all": swarm.reveal_all, "shared": sorted(swarms.shared_ids(swarm))}


def change_guest_view(session: Session, swarm: Swarm, actor: Actor, change: str, message_id: int | None = None) -> dict:
    """The owner (or an admin) changes what the guests see: "share" or "unshare" one chat message, "reveal" or "hide"
    the whole chat. The change and its case-timeline entry commit together; the room is then told to reload (the
    frame holds no chat text). NotInChat for a message of another chat, SwarmClosed for more to see in a closed room."""
    swarms = SwarmService(session)
    data: dict = {}
    try:
        if change in ("share", "unshare"):
            message = swarms.chat_message(swarm, message_id)
            data = {"message_id": message.id, "seq": message.seq, "sender": message.sender}
            sharing = change == "share"
            changed = swarms.share(swarm, message, by=actor.user_id) if sharing else swarms.unshare(swarm, message)
        else:
            changed = swarms.reveal(swarm, change == "reveal")
        if changed:
            to_timeline(session, swarm, GUEST_VIEW_CHANGES[change], actor, **data)
            publish_room(swarm.id, {"type": "room", "kind": "guest_view"})
    except IntegrityError:  # another request shared the same message at the same moment: it is shared
        session.rollback()
    return guest_view(swarms, swarm)


def announce(settings: Settings, swarm: Swarm, kind: str, *, actor: str, text: str, to: dict[int, str]) -> None:
    """Tell people: in-app on their desk at once, and through the configured webhook/Slack notifiers."""
    for person_id in to:
        publish_agent(person_id, {"type": "swarm", "kind": kind, "swarm_id": swarm.id, "text": text})
    publish_room(swarm.id, {"type": "room", "kind": kind})
    notice = SwarmNotice(
        kind=kind,
        swarm_id=swarm.id,
        case_number=swarm.case_number,
        case_subject="",
        actor=actor,
        recipients=sorted(to.values()),
        text=text,
        url=f"{settings.public_url}/swarms/{swarm.id}",
        at=utc_now_iso(),
    )
    queue_notice(notice, settings)


def expire_invitations(settings: Settings) -> int:
    """Unanswered invitations past their time expire; the owner is told and offered the next-ranked expert."""
    with get_session_factory()() as session:
        swarms = SwarmService(session)
        expired = swarms.expire_due()
        session.commit()
        for invitation in expired:
            swarm = swarms.get(invitation.swarm_id)
            asked = {i.person_id for i in swarms.invitations(swarm)} | {m.person_id for m in swarms.members(swarm)}
            ranked = rank(people_for_finder(session, swarms), swarm.needed_skills, exclude=asked | {swarm.owner_id})
            next_up = f" Next suggested: {ranked[0].person.name} ({ranked[0].why})." if ranked else ""
            text = f"{invitation.person_name} did not answer the invitation in time.{next_up}"
            publish_agent(swarm.owner_id, {"type": "swarm", "kind": "expired", "swarm_id": swarm.id, "text": text})
            publish_room(swarm.id, {"type": "room", "kind": "invitation_expired", "text": text})
            actor = Actor("system", "Swarmdesk")
            to_timeline(session, swarm, "invitation_expired", actor, person=invitation.person_name)
        return len(expired)
