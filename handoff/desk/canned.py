"""Canned replies: the team's (shared with everyone or with one skill) and each agent's own; their placeholders,
filled from the open conversation; and the one rule that no raw placeholder reaches a customer."""

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Discriminator, Field, StringConstraints, Tag
from pydantic_core import PydanticCustomError
from sqlalchemy import String, Text, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cases.models import Case, CaseConversation
from core.inputs import RequestBody, words
from handoff import customers
from handoff.models import Base, utcnow
from people.models import SKILL_PATTERN, User

PLACEHOLDERS = ("customer_name", "case_number", "agent_name")
KNOWN = [f"{{{name}}}" for name in PLACEHOLDERS]
TOKEN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")  # {name}: a placeholder, known or not
Share = Literal["private", "everyone", "skill"]


class NotFound(LookupError):
    """No such reply, or one the caller may not see."""


class NotAllowed(PermissionError):
    """The caller sees the reply but may not change it."""


class CannedReply(Base):
    """A canned reply: an agent's own (`owner_id`), or the team's, for everyone or for holders of `skill`."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(index=True)  # None: a team reply
    skill: Mapped[str | None] = mapped_column(String(40))  # a team reply for this skill only; None: for everyone
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def share(self) -> Share:
        """Who the reply is for: its owner only, everyone, or holders of its skill."""
        return "private" if self.owner_id is not None else "skill" if self.skill else "everyone"


def unknown_placeholders(text: str) -> list[str]:
    """The `{names}` in a text that are no placeholder Swarmdesk fills, each once, in order."""
    return list(dict.fromkeys(f"{{{m[1]}}}" for m in TOKEN.finditer(text) if m[1] not in PLACEHOLDERS))


def raw_placeholders(text: str) -> list[str]:
    """The known placeholders a text still holds unfilled, each once, in order."""
    return list(dict.fromkeys(f"{{{m[1]}}}" for m in TOKEN.finditer(text) if m[1] in PLACEHOLDERS))


def _known_only(text: str) -> str:
    """Refuse a reply text naming a placeholder nobody fills."""
    if unknown := unknown_placeholders(text):
        raise PydanticCustomError("placeholder", f"unknown placeholder {', '.join(unknown)}; use {', '.join(KNOWN)}")
    return text


class _CannedText(RequestBody):
    """What every canned reply says."""

    title: words(80)
    text: Annotated[words(4000), AfterValidator(_known_only), Field(description=f"may use {', '.join(KNOWN)}")]


class CannedForSome(_CannedText):
    """A reply kept private (agents) or shared with everyone (admins)."""

    share: Literal["private", "everyone"] = "private"

    @property
    def skill(self) -> None:
        """No skill: the reply is not shared with one."""
        return None


class CannedForSkill(_CannedText):
    """A team reply shared with the holders of one skill (admins)."""

    share: Literal["skill"]
    skill: Annotated[str, StringConstraints(pattern=f"^{SKILL_PATTERN.pattern}$")] = Field(
        description="the skill the reply is for"
    )


def _audience(body: object) -> str:
    """Which form a body takes: shared with a skill, or not."""
    share = body.get("share") if isinstance(body, dict) else getattr(body, "share", None)
    return "share=skill" if share == "skill" else "share=private|everyone"


# A skill exactly when the reply is shared with one; the schema says so too (one of the two forms), and a refusal's
# location names the form it was read as: ["body", "share=skill", "skill"].
CannedWrite = Annotated[
    Annotated[CannedForSome, Tag("share=private|everyone")] | Annotated[CannedForSkill, Tag("share=skill")],
    Discriminator(_audience),
]


class CannedRead(BaseModel):
    """A canned reply as the desk lists it; `editable` when the caller may change it."""

    id: int
    title: str
    text: str
    share: Share
    skill: str | None
    editable: bool


class Filled(BaseModel):
    """A reply's text for one conversation; `missing` names the placeholders left in it for want of a value."""

    text: str
    missing: list[str]


def is_admin(user: User) -> bool:
    """True for an admin, who manages the team's replies."""
    return "admin" in user.role_set


def editable(reply: CannedReply, *, user: User) -> bool:
    """The owner changes a private reply; admins change the team's."""
    return reply.owner_id == user.id if reply.owner_id is not None else is_admin(user)


def to_read(reply: CannedReply, *, user: User) -> CannedRead:
    """The reply as `user` sees it."""
    return CannedRead(
        id=reply.id,
        title=reply.title,
        text=reply.text,
        share=reply.share,
        skill=reply.skill,
        editable=editable(reply, user=user),
    )


def _visible_to(user: User):
    """The condition on replies `user` sees: their own, the team's for everyone and for their skills (admins: all
    the team's)."""
    team = CannedReply.owner_id.is_(None)
    if not is_admin(user):
        team &= or_(CannedReply.skill.is_(None), CannedReply.skill.in_(user.skill_list))
    return or_(CannedReply.owner_id == user.id, team)


def visible(session: Session, *, user: User) -> list[CannedReply]:
    """Every reply `user` sees, by title."""
    query = select(CannedReply).where(_visible_to(user)).order_by(CannedReply.title, CannedReply.id)
    return list(session.scalars(query))


def get_visible(session: Session, *, reply_id: int, user: User) -> CannedReply:
    """A reply `user` sees (NotFound otherwise: another agent's private reply is not theirs to know of)."""
    reply = session.scalars(select(CannedReply).where(CannedReply.id == reply_id, _visible_to(user))).first()
    if reply is None:
        raise NotFound(f"no canned reply {reply_id}")
    return reply


def _apply(reply: CannedReply, *, data: CannedWrite, user: User) -> None:
    """Set the reply's content and audience (NotAllowed: only admins share with the team)."""
    if data.share != "private" and not is_admin(user):
        raise NotAllowed("share: only admins share replies with the team; keep it private")
    reply.title, reply.text = data.title, data.text
    reply.owner_id = user.id if data.share == "private" else None
    reply.skill = data.skill


def create(session: Session, *, data: CannedWrite, user: User) -> CannedReply:
    """Save a new reply: private to `user`, or (admins) the team's."""
    reply = CannedReply()
    _apply(reply, data=data, user=user)
    session.add(reply)
    session.commit()
    return reply


def _changeable(session: Session, *, reply_id: int, user: User) -> CannedReply:
    """A reply `user` may change: NotFound if they do not see it, NotAllowed if it is the team's and they no admin."""
    reply = get_visible(session, reply_id=reply_id, user=user)
    if not editable(reply, user=user):
        raise NotAllowed(f"canned reply {reply_id} is the team's: only admins change it")
    return reply


def update(session: Session, *, reply_id: int, data: CannedWrite, user: User) -> CannedReply:
    """Replace a reply's title, text and audience."""
    reply = _changeable(session, reply_id=reply_id, user=user)
    _apply(reply, data=data, user=user)
    session.commit()
    return reply


def delete(session: Session, *, reply_id: int, user: User) -> None:
    """Delete a reply `user` may change."""
    session.delete(_changeable(session, reply_id=reply_id, user=user))
    session.commit()


def values(session: Session, *, conversation_id: str, agent_name: str) -> dict[str, str | None]:
    """What each placeholder stands for in a conversation (None: no value). A visitor number or an email address
    is no customer name; the case number is the latest linked case's."""
    label = customers.label(session, conversation_id)
    named = label != customers.visitor_label(conversation_id) and "@" not in label
    latest = (
        select(Case)
        .join(CaseConversation, CaseConversation.case_id == Case.id)
        .where(CaseConversation.conversation_id == conversation_id)
        .order_by(CaseConversation.id.desc())
    )
    case = session.scalars(latest.limit(1)).first()
    return {
        "customer_name": label if named else None,
        "case_number": case.number if case else None,
        "agent_name": agent_name or None,
    }


def fill(text: str, *, known: dict[str, str | None]) -> Filled:
    """The text with each placeholder that has a value filled in; those without stay as typed, named in `missing`."""
    missing: list[str] = []

    def one(match: re.Match) -> str:
        if value := known.get(match[1]):
            return value
        missing.append(match[1])
        return match[0]

    text = TOKEN.sub(one, text)  # one pass: a value that looks like a placeholder is not filled again
    return Filled(text=text, missing=list(dict.fromkeys(missing)))
