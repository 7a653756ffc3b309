"""Who may enter a swarm room: its current members (staff by session or token) and its guests (guest cookie)."""

from fastapi import HTTPException, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from core.settings import Settings
from handoff.swarm.models import GuestLink, Swarm, SwarmMember
from handoff.swarm.service import Gone, SwarmService, Who
from people.auth import Principal

GUEST_COOKIE = "swarmdesk_guest"


def guest_signer(settings: Settings) -> URLSafeTimedSerializer:
    """The signer of guest cookies."""
    return URLSafeTimedSerializer(settings.secret_key, salt="swarmdesk-guest")


def swarm_or_404(session: Session, swarm_id: int) -> Swarm:
    """The swarm, or 404."""
    swarm = SwarmService(session).get(swarm_id)
    if swarm is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no swarm {swarm_id}")
    return swarm


def guest_of(raw: str | None, session: Session, settings: Settings) -> GuestLink | None:
    """The guest link a guest cookie names (410 if it expired or was revoked), or None without a cookie."""
    if not raw:
        return None
    try:
        link_id = guest_signer(settings).loads(raw, max_age=settings.guest_link_max_hours * 3600)["link"]
    except (BadSignature, KeyError, TypeError):
        return None
    link = session.get(GuestLink, link_id)
    try:
        SwarmService(session).check_guest(link)
    except Gone as error:
        raise HTTPException(status.HTTP_410_GONE, str(error)) from error
    return link


def room_member(
    session: Session, settings: Settings, swarm: Swarm, staff: Principal | None, guest_cookie: str | None
) -> tuple[Who, SwarmMember]:
    """The caller's membership of the room: 401 if nobody signed in, 403 if not a member, 410 for a dead guest link."""
    swarms = SwarmService(session)
    if staff is not None and staff.user_id is not None:
        who = Who(staff.display_name, person_id=staff.user_id)
    else:
        link = guest_of(guest_cookie, session, settings)
        if link is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in, or open the invitation link you were sent")
        if link.swarm_id != swarm.id:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "your guest link opens another room")
        who = Who(link.name, guest_id=link.id)
    member = swarms.member(swarm, who)
    if member is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "you are not a member of this swarm")
    return who, member


def owner_only(swarm: Swarm, who: Who) -> None:
    """403 unless the caller owns the swarm."""
    if who.person_id is None or who.person_id != swarm.owner_id:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only the swarm's owner can do this")
