"""How routes answer a refused domain operation (a case change, a desk action), and name staff on timelines."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import HTTPException, Request, Response, status
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.openapi import allowed_methods
from cases import Actor, CaseNotFound, TooLarge, TransitionError, VersionConflict
from handoff.desk import flows as desk
from handoff.rasa_client import BotUnavailable
from people.auth import Principal

REFUSED = (CaseNotFound, TooLarge, TransitionError, VersionConflict)


def refusal(error: Exception) -> HTTPException:
    """Map a refused case change to its HTTP answer."""
    if isinstance(error, CaseNotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(error))
    if isinstance(error, TooLarge):
        return HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, str(error))
    return HTTPException(status.HTTP_409_CONFLICT, str(error))


INDEX_BUSY_RETRY_SECONDS = 5


def index_busy(request: Request, error: Exception) -> JSONResponse:
    """503 with Retry-After while another worker builds the KB index (a first start on an empty index)."""
    return JSONResponse(
        {"detail": "the knowledge base is being built by another worker; try again in a few seconds"},
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(INDEX_BUSY_RETRY_SECONDS)},
    )


def staff_actor(principal: Principal) -> Actor:
    """The timeline actor for a staff member or the bot."""
    if principal.user_id is None:
        return Actor("bot", principal.display_name)
    return Actor(f"user:{principal.user_id}", principal.display_name)


DESK_STATUS = {
    desk.NotFound: status.HTTP_404_NOT_FOUND,
    desk.NotAllowed: status.HTTP_403_FORBIDDEN,
    desk.NotAvailable: status.HTTP_409_CONFLICT,
    desk.InvalidTarget: status.HTTP_422_UNPROCESSABLE_CONTENT,
}


@contextmanager
def desk_refusals() -> Iterator[None]:
    """Turn a refused desk action into its HTTP answer (and a bot that can't take a chat back into a 503)."""
    try:
        yield
    except tuple(DESK_STATUS) as error:
        raise HTTPException(DESK_STATUS[type(error)], str(error)) from error
    except BotUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, f"the bot cannot take it back now: {error}") from error


async def http_error(request: Request, error: StarletteHTTPException) -> Response:
    """FastAPI's answer to an HTTPException, with two rules of ours: a 422 names the field as validation errors do
    (`[{"loc", "msg", "type"}]`, from a "field: what is wrong" sentence), and a 405's Allow lists every method of
    the path, not just those of the first route that matched it."""
    if error.status_code == status.HTTP_422_UNPROCESSABLE_CONTENT and isinstance(error.detail, str):
        field, _, message = error.detail.partition(": ")
        named = bool(message) and re.fullmatch(r"[a-z_]+", field) is not None
        problem = {"loc": ["body", field] if named else ["body"], "msg": message if named else error.detail}
        return JSONResponse({"detail": [problem | {"type": "value_error"}]}, status_code=error.status_code)
    if error.status_code == status.HTTP_405_METHOD_NOT_ALLOWED and (
        methods := allowed_methods(request.app, request.url.path)
    ):
        error.headers = (error.headers or {}) | {"Allow": ", ".join(methods)}
    return await http_exception_handler(request, error)
