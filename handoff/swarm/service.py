"""Swarm rules over one database session: start, invite, answer, talk, propose, guests (and what they see), close."""

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cases import activity
from cases.models import Case, case_id
from handoff.models import Message, utcnow
from handoff.swarm.models import GuestLink, SharedChatMessage, Swarm, SwarmInvitation, SwarmMember, SwarmMessage

MENTION = re.compile(r"@([\w.-]+(?: [A-Z][\w.-]*)?)")


class SwarmClosed(Exception):
    """The room is closed: it is read-only (the API answers 409)."""


class NotAllowed(Exception):
    """The change is refused for this person (the API answers 403 or 422, per the message)."""


class Gone(Exception):
    """A guest link that expired or was revoked (the API answers 410)."""


class NotInChat(LookupError):
    """A message id that is not one of the swarm's customer chat (the API answers 422 or 404 naming `message_id`)."""


@dataclass(frozen=True)
class Who:
    """Someone acting in a room: staff (person_id) or a guest (guest_id)."""

    name: str
    person_id: int | None = None
    guest_id: int | None = None


def hash_token(token: str) -> str:
    """The stored form of a guest token."""
    return hashlib.sha256(token.encode()).hexdigest()


class SwarmService:
    """Swarms over one session; callers commit."""

    def __init__(self, session: Session, clock: Callable[[], datetime] = utcnow) -> None:
        self.session, self.clock = session, clock

    def get(self, swarm_id: int) -> Swarm | None:
        """The swarm, or None."""
        return self.session.get(Swarm, swarm_id)

    def open_count(self) -> int:
        """How many swarm rooms are open now."""
        return self.session.scalar(select(func.count()).select_from(Swarm).where(Swarm.status == "open")) or 0

    def of_case(self, case_number: str) -> list[Swarm]:
        """The swarms of a case, newest first."""
        return list(
            self.session.scalars(select(Swarm).where(Swarm.case_number == case_number).order_by(Swarm.id.desc()))
        )

    def start(self, *, case_number: str, conversation_id: str | None, owner: Who, skills: list[str]) -> Swarm:
        """Open a room for a case with its owner in it."""
        swarm = Swarm(
            case_number=case_number,
            conversation_id=conversation_id,
            owner_id=owner.person_id,
            owner_name=owner.name,
            needed_skills=skills,
            created_at=self.clock(),
        )
        self.session.add(swarm)
        self.session.flush()
        self.session.add(SwarmMember(swarm_id=swarm.id, person_id=owner.person_id, name=owner.name, role="owner"))
        self._post(swarm, Who("Swarmdesk"), "system", f"{owner.name} started a swarm on {case_number}.")
        self._record(swarm, "swarm_started", actor_id=owner.person_id)
        return swarm

    def rooms_of(self, person_id: int) -> list[Swarm]:
        """The swarms a person is in now, newest first."""
        query = (
            select(Swarm)
            .join(SwarmMember, SwarmMember.swarm_id == Swarm.id)
            .where(SwarmMember.person_id == person_id, SwarmMember.left_at.is_(None))
            .order_by(Swarm.id.desc())
        )
        return list(self.session.scalars(query).unique())

    def members(self, swarm: Swarm) -> list[SwarmMember]:
        """The people in the room now."""
        query = select(SwarmMember).where(SwarmMember.swarm_id == swarm.id, SwarmMember.left_at.is_(None))
        return list(self.session.scalars(query.order_by(SwarmMember.id)))

    def history(self, swarm: Swarm) -> list[SwarmMember]:
        """Every stay in the room, in order (roles over time)."""
        query = select(SwarmMember).where(SwarmMember.swarm_id == swarm.id).order_by(SwarmMember.id)
        return list(self.session.scalars(query))

    def member(self, swarm: Swarm, who: Who) -> SwarmMember | None:
        """The current membership of this person or guest, if any."""
        for member in self.members(swarm):
            if (who.person_id is not None and member.person_id == who.person_id) or (
                who.guest_id is not None and member.guest_id == who.guest_id
            ):
                return member
        return None

    def invitations(self, swarm: Swarm) -> list[SwarmInvitation]:
        """Every invitation of the swarm, oldest first."""
        query = select(SwarmInvitation).where(SwarmInvitation.swarm_id == swarm.id).order_by(SwarmInvitation.id)
        return list(self.session.scalars(query))

    def pending_for(self, person_id: int) -> list[SwarmInvitation]:
        """A person's invitations still waiting for an answer."""
        query = select(SwarmInvitation).where(
            SwarmInvitation.person_id == person_id, SwarmInvitation.status == "pending"
        )
        return list(self.session.scalars(query.order_by(SwarmInvitation.id)))

    def invite(self, swarm: Swarm, *, person_id: int, name: str, expires_in: timedelta) -> SwarmInvitation:
        """Invite a person (not the owner, not twice while pending or in the room)."""
        self._open(swarm)
        if self.member(swarm, Who(name, person_id=person_id)):
            raise NotAllowed(f"{name} is already in the room")
        if any(i.person_id == person_id and i.status == "pending" for i in self.invitations(swarm)):
            raise NotAllowed(f"{name} already has an invitation waiting")
        now = self.clock()
        invitation = SwarmInvitation(
            swarm_id=swarm.id, person_id=person_id, person_name=name, created_at=now, expires_at=now + expires_in
        )
        self.session.add(invitation)
        self.session.flush()
        return invitation

    def answer(self, invitation: SwarmInvitation, *, accept: bool) -> SwarmMember | None:
        """Accept (join as an expert) or decline a pending invitation."""
        swarm = self.session.get(Swarm, invitation.swarm_id)
        self._open(swarm)
        if invitation.status != "pending":
            raise NotAllowed(f"this invitation is {invitation.status}")
        now = self.clock()
        invitation.status, invitation.answered_at = ("accepted" if accept else "declined"), now
        if not accept:
            return None
        member = SwarmMember(
            swarm_id=swarm.id, person_id=invitation.person_id, name=invitation.person_name, role="expert", joined_at=now
        )
        self.session.add(member)
        swarm.first_expert_at = swarm.first_expert_at or now
        self._post(swarm, Who("Swarmdesk"), "system", f"{invitation.person_name} joined.")
        self._record(swarm, "swarm_joined", actor_id=invitation.person_id)
        return member

    def expire_due(self) -> list[SwarmInvitation]:
        """Mark unanswered invitations past their expiry as expired; returns them."""
        now = self.clock()
        query = select(SwarmInvitation).where(SwarmInvitation.status == "pending", SwarmInvitation.expires_at <= now)
        expired = list(self.session.scalars(query))
        for invitation in expired:
            invitation.status, invitation.answered_at = "expired", now
        return expired

    def messages(self, swarm: Swarm, after: int = 0) -> list[SwarmMessage]:
        """Room messages after `after`, oldest first."""
        query = select(SwarmMessage).where(SwarmMessage.swarm_id == swarm.id, SwarmMessage.seq > after)
        return list(self.session.scalars(query.order_by(SwarmMessage.seq)))

    def post(self, swarm: Swarm, who: Who, text: str) -> SwarmMessage:
        """A member's message; @Name mentions of members are recorded."""
        self._open(swarm)
        member = self.member(swarm, who)
        if member is None:
            raise NotAllowed("only members post in the room")
        return self._post(swarm, who, member.role, text)

    def _post(self, swarm: Swarm, who: Who, role: str, text: str) -> SwarmMessage:
        """Store a message with the next seq."""
        swarm.last_seq += 1
        names = {m.name.lower(): m.name for m in self.members(swarm)}
        mentions = sorted({names[n.lower()] for n in MENTION.findall(text) if n.lower() in names})
        message = SwarmMessage(
            swarm_id=swarm.id,
            seq=swarm.last_seq,
            author_id=who.person_id,
            author_name=who.name,
            author_role=role,
            text=text,
            mentions=mentions,
            created_at=self.clock(),
        )
        self.session.add(message)
        self.session.flush()
        return message

    def message(self, swarm: Swarm, message_id: int) -> SwarmMessage | None:
        """One message of this swarm."""
        message = self.session.get(SwarmMessage, message_id)
        return message if message is not None and message.swarm_id == swarm.id else None

    def propose(self, swarm: Swarm, message: SwarmMessage, who: Who) -> None:
        """Mark a message as the proposed answer (any member, room open)."""
        self._open(swarm)
        if self.member(swarm, who) is None:
            raise NotAllowed("only members mark answers")
        message.proposed = True

    def mark_sent(self, swarm: Swarm, message: SwarmMessage) -> None:
        """The owner sent this message on to the customer (the first sending accepts its author's answer)."""
        self._open(swarm)
        if message.sent_at is None:
            self._record(swarm, "swarm_answer_accepted", actor_id=message.author_id, message_id=message.id)
        message.sent_at = self.clock()

    def add_guest(self, swarm: Swarm, *, name: str, valid_for: timedelta, by: int) -> tuple[GuestLink, str]:
        """A link for an outside partner into this room only; the token is returned once."""
        self._open(swarm)
        token = secrets.token_urlsafe(24)
        link = GuestLink(
            swarm_id=swarm.id,
            name=name,
            token_hash=hash_token(token),
            created_by=by,
            expires_at=self.clock() + valid_for,
        )
        self.session.add(link)
        self.session.flush()
        return link, token

    def guests(self, swarm: Swarm) -> list[GuestLink]:
        """The swarm's guest links, oldest first."""
        query = select(GuestLink).where(GuestLink.swarm_id == swarm.id).order_by(GuestLink.id)
        return list(self.session.scalars(query))

    def guest_link(self, token: str) -> GuestLink:
        """The live link of a token; Gone if unknown, expired or revoked."""
        link = self.session.scalar(select(GuestLink).where(GuestLink.token_hash == hash_token(token)))
        self.check_guest(link)
        return link

    def check_guest(self, link: GuestLink | None) -> None:
        """Gone unless the link exists, is unexpired and not revoked."""
        if link is None:
            raise Gone("this invitation link is not valid")
        if link.revoked_at is not None:
            raise Gone("this invitation link was revoked")
        expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=self.clock().tzinfo)
        if expires <= self.clock():
            raise Gone("this invitation link has expired")

    def join_as_guest(self, swarm: Swarm, link: GuestLink) -> SwarmMember:
        """The guest enters the room (once per stay)."""
        member = self.member(swarm, Who(link.name, guest_id=link.id))
        if member is None:
            member = SwarmMember(swarm_id=swarm.id, guest_id=link.id, name=link.name, role="guest")
            self.session.add(member)
            self._post(swarm, Who("Swarmdesk"), "system", f"{link.name} (guest) joined.")
            self._record(swarm, "swarm_joined", guest_id=link.id)
        return member

    def revoke(self, link: GuestLink) -> None:
        """End a guest link now; the guest leaves the room."""
        now = self.clock()
        link.revoked_at = now
        for member in self.session.scalars(
            select(SwarmMember).where(SwarmMember.guest_id == link.id, SwarmMember.left_at.is_(None))
        ):
            member.left_at = now

    def chat_message(self, swarm: Swarm, message_id: int) -> Message:
        """A message of the customer chat the swarm shows, or NotInChat."""
        message = self.session.get(Message, message_id)
        if message is None or swarm.conversation_id is None or message.conversation_id != swarm.conversation_id:
            raise NotInChat("message_id: not a message of this swarm's customer chat")
        return message

    def shared_ids(self, swarm: Swarm) -> set[int]:
        """Ids of the chat messages shared with the room's guests."""
        query = select(SharedChatMessage.message_id).where(SharedChatMessage.swarm_id == swarm.id)
        return set(self.session.scalars(query))

    def for_guests(self, swarm: Swarm, messages: list[Message]) -> list[Message]:
        """The chat messages the room's guests may see: all once revealed, else only those shared with them."""
        if swarm.reveal_all:
            return messages
        shared = self.shared_ids(swarm)
        return [message for message in messages if message.id in shared]

    def share(self, swarm: Swarm, message: Message, *, by: int) -> bool:
        """Share a chat message with the guests (room open); False if it already was."""
        self._open(swarm)
        if message.id in self.shared_ids(swarm):
            return False
        shared = SharedChatMessage(swarm_id=swarm.id, message_id=message.id, shared_by=by, shared_at=self.clock())
        self.session.add(shared)
        self.session.flush()
        return True

    def unshare(self, swarm: Swarm, message: Message) -> bool:
        """Take a chat message back from the guests (a closed room too); False if it was not shared."""
        query = delete(SharedChatMessage).where(
            SharedChatMessage.swarm_id == swarm.id, SharedChatMessage.message_id == message.id
        )
        return self.session.execute(query).rowcount > 0

    def reveal(self, swarm: Swarm, reveal_all: bool) -> bool:
        """Show guests the whole chat (room open), or only what is shared (a closed room too); False if unchanged."""
        if reveal_all:
            self._open(swarm)
        changed, swarm.reveal_all = swarm.reveal_all != reveal_all, reveal_all
        return changed

    def close(self, swarm: Swarm, outcome: str) -> None:
        """Close the room: read-only from now on, kept with the case."""
        self._open(swarm)
        self._post(swarm, Who("Swarmdesk"), "system", f"Swarm closed: {outcome}")
        swarm.status, swarm.outcome, swarm.closed_at = "closed", outcome, self.clock()
        self._record(swarm, "swarm_closed")

    def figures(self, swarm: Swarm) -> dict:
        """Time to first expert, experts joined, time to resolution (seconds)."""
        experts = {m.person_id for m in self.history(swarm) if m.role == "expert"}
        return {
            "experts_joined": len(experts),
            "time_to_first_expert_seconds": _seconds(swarm.created_at, swarm.first_expert_at),
            "time_to_resolution_seconds": _seconds(swarm.created_at, swarm.closed_at),
        }

    def person_counts(self) -> dict[int, dict]:
        """Per person: swarms joined as an expert and proposed answers the owner sent on."""
        joined = self.session.execute(
            select(SwarmMember.person_id, func.count(func.distinct(SwarmMember.swarm_id)))
            .where(SwarmMember.role == "expert")
            .group_by(SwarmMember.person_id)
        )
        accepted = self.session.execute(
            select(SwarmMessage.author_id, func.count())
            .where(SwarmMessage.sent_at.is_not(None), SwarmMessage.author_id.is_not(None))
            .group_by(SwarmMessage.author_id)
        )
        counts: dict[int, dict] = {}
        for person_id, number in joined:
            counts.setdefault(person_id, {"swarms_joined": 0, "answers_accepted": 0})["swarms_joined"] = number
        for person_id, number in accepted:
            counts.setdefault(person_id, {"swarms_joined": 0, "answers_accepted": 0})["answers_accepted"] = number
        return counts

    def recent_swarms(self, since: datetime) -> dict[int, int]:
        """How many swarms each person joined as an expert since `since` (the finder spreads the work)."""
        rows = self.session.execute(
            select(SwarmMember.person_id, func.count())
            .where(SwarmMember.role == "expert", SwarmMember.joined_at >= since)
            .group_by(SwarmMember.person_id)
        )
        return dict(rows.all())

    def _record(self, swarm: Swarm, kind: str, *, actor_id: int | None = None, **detail) -> None:
        """Add the swarm's row to the activity record, with its case, chat and `detail` (the swarm's id always)."""
        case = self.session.get(Case, case_id(swarm.case_number))
        about = {"conversation_id": swarm.conversation_id, "actor_id": actor_id, "at": self.clock()}
        activity.record(self.session, case, kind, **about | {"detail": {"swarm_id": swarm.id} | detail})

    def _open(self, swarm: Swarm) -> None:
        """SwarmClosed if the room is closed."""
        if swarm.status != "open":
            raise SwarmClosed("this swarm is closed; its room is read-only")


def _seconds(start: datetime, end: datetime | None) -> float | None:
    """Seconds between two times, or None while `end` is unknown."""
    if end is None:
        return None
    if start.tzinfo is None or end.tzinfo is None:
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return round((end - start).total_seconds(), 1)
