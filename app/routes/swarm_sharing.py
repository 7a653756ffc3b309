"""What a swarm's guests see of the customer's chat: the owner (or an admin) shares or unshares one message, or
reveals or hides the whole chat; each change is on the case timeline."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, HTTPException, status
from pydantic import Field

from app.deps import RoomOwnerDep, SessionDep
from app.openapi import refusals
from app.refusals import staff_actor
from core.inputs import RequestBody
from handoff.swarm.flows import change_guest_view
from handoff.swarm.service import NotInChat, SwarmClosed

router = APIRouter(prefix="/api/swarms/{swarm_id}/guest-view", tags=["swarms"], responses=refusals(401, 403, 410))
MessageId = Annotated[int, Field(ge=1)]


class Share(RequestBody):
    """A message of the swarm's customer chat to share with the room's guests."""

    message_id: MessageId


class Reveal(RequestBody):
    """True: guests see the whole customer chat (scrubbed); false: only the messages shared with them."""

    reveal_all: bool


@contextmanager
def _refusals(not_in_chat: int = status.HTTP_422_UNPROCESSABLE_CONTENT) -> Iterator[None]:
    """A message of another chat → `not_in_chat` naming `message_id`; more to see in a closed room → 409."""
    try:
        yield
    except NotInChat as error:
        raise HTTPException(not_in_chat, str(error)) from error
    except SwarmClosed as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error


@router.post("/shared", responses=refusals(409))
def share(swarm_id: int, body: Share, owner: RoomOwnerDep, session: SessionDep) -> dict:
    """Share one message of the customer's chat with the guests → `{"reveal_all", "shared"}`."""
    swarm, staff = owner
    with _refusals():
        return change_guest_view(session, swarm, staff_actor(staff), "share", body.message_id)


@router.delete("/shared/{message_id}")
def unshare(swarm_id: int, message_id: int, owner: RoomOwnerDep, session: SessionDep) -> dict:
    """Take a shared message back from the guests (a closed room too) → `{"reveal_all", "shared"}`."""
    swarm, staff = owner
    with _refusals(status.HTTP_404_NOT_FOUND):
        return change_guest_view(session, swarm, staff_actor(staff), "unshare", message_id)


@router.put("", responses=refusals(409))
def reveal(swarm_id: int, body: Reveal, owner: RoomOwnerDep, session: SessionDep) -> dict:
    """Reveal the whole customer chat to the guests, scrubbed, or hide it again → `{"reveal_all", "shared"}`."""
    swarm, staff = owner
    with _refusals():
        return change_guest_view(session, swarm, staff_actor(staff), "reveal" if body.reveal_all else "hide")
