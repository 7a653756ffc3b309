"""What the app refuses before a route sees it: request bodies over the size limit get 413 before they are read
(declared or streamed; pure ASGI middleware, frames are limited by uvicorn's `--ws-max-size`, see `ops/stack.py`),
and values the database or JSON cannot hold get 422 naming the field (`sane_input`, an app-wide dependency)."""

import json
import re

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.inputs import INT32


class BodyLimit:
    """Refuse HTTP request bodies over `max_bytes` with 413 naming the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared length, then count the streamed one."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send)
        received, started, refused = 0, False, False

        async def counted() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not refused:
                    refused = True
                    if not started:
                        await self._refuse(send)
                    return {"type": "http.disconnect"}  # the app stops reading; what it answers is dropped
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, watched)

    async def _refuse(self, send: Send) -> None:
        """Answer 413 with the limit in words."""
        limit = f"{self.max_bytes / 1024 / 1024:g} MiB" if self.max_bytes >= 1024 * 1024 else f"{self.max_bytes} bytes"
        body = json.dumps({"detail": f"the request body is over the limit of {limit}"}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _problem(value, where: tuple) -> dict | None:
    """What is wrong with one value the client sent (a NUL, a lone surrogate, a number out of range), or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return {"loc": where, "msg": "must not contain a NUL character", "type": "value_error"}
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return {"loc": where, "msg": "must be valid Unicode (a lone surrogate was sent)", "type": "value_error"}
        in_url = where[0] in ("path", "query")  # where every value is a string; a body's text may be any digits
        if in_url and len(value) < 400 and re.fullmatch(r"-?\d+", value) and abs(int(value)) > INT32:
            return {"loc": where, "msg": f"must be between {-INT32} and {INT32}", "type": "less_than_equal"}
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > INT32:
        return {"loc": where, "msg": f"must be between {-INT32} and {INT32}", "type": "less_than_equal"}
    return None


def _walk(value, where: tuple) -> list[dict]:
    """Every problem in a parsed JSON body, with where it is."""
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _walk(item, (*where, key))]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _walk(item, (*where, index))]
    found = _problem(value, where)
    return [found] if found else []


def _refuse_constant(name: str):
    """json.loads hook: NaN and Infinity are not JSON."""
    raise ValueError(name)


async def sane_input(connection: HTTPConnection) -> None:
    """Refuse, as 422 naming the field, what the database or JSON cannot hold: NUL characters, lone surrogates,
    NaN or Infinity, integers beyond 32 bits — in the path, the query or a JSON body."""
    problems = [p for k, v in connection.path_params.items() if (p := _problem(v, ("path", k)))]
    problems += [p for k, v in connection.query_params.multi_items() if (p := _problem(v, ("query", k)))]
    if isinstance(connection, Request) and "json" in connection.headers.get("content-type", ""):
        raw = await connection.body()  # FastAPI read it already: this is its copy
        if raw:
            try:
                problems += _walk(json.loads(raw, parse_constant=_refuse_constant), ("body",))
            except ValueError as error:
                if str(error) in ("NaN", "Infinity", "-Infinity"):
                    problems.append({"loc": ("body",), "msg": f"{error} is not a JSON number", "type": "json_invalid"})
    if problems:
        raise RequestValidationError(problems)
