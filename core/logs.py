"""Logs as JSON lines (python-json-logger), each carrying the conversation and case a request is about; never a
message's text or a token (log lines name ids; a `token=` in a logged URL, should a client put one there, is
blanked)."""

import logging
import re
import sys
from contextvars import ContextVar
from typing import TextIO

from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Receive, Scope, Send

conversation_id: ContextVar[str | None] = ContextVar("conversation_id", default=None)
case_number: ContextVar[str | None] = ContextVar("case_number", default=None)
CONVERSATION_IN_PATH = re.compile(r"/conversations/([0-9a-f-]{36})")
CASE_IN_PATH = re.compile(r"/cases/(CS-\d+)")
TOKEN_IN_URL = re.compile(r"([?&]token=)[^&\s\"']+")
FIELDS = "{asctime}{levelname}{name}{message}"
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")


class HideTokens(logging.Filter):
    """Blank any `token=` query value in a logged URL (the server logs each request's path with its query)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's arguments and message in place."""
        if isinstance(record.args, tuple):
            record.args = tuple(TOKEN_IN_URL.sub(r"\1[hidden]", a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = TOKEN_IN_URL.sub(r"\1[hidden]", record.msg)
        return True


class RequestIds(logging.Filter):
    """Add the conversation and case of the request being served to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Attach the ids (None outside a request about one)."""
        record.conversation_id = getattr(record, "conversation_id", None) or conversation_id.get()
        record.case_number = getattr(record, "case_number", None) or case_number.get()
        return True


def configure(fmt: str = "json", stream: TextIO = sys.stderr) -> logging.Handler:
    """Send the app's and the server's logs to `stream`, as JSON lines or as text; returns the handler."""
    handler = logging.StreamHandler(stream)
    if fmt == "json":
        handler.setFormatter(JsonFormatter(FIELDS, style="{", rename_fields={"asctime": "time", "levelname": "level"}))
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RequestIds())
    handler.addFilter(HideTokens())
    handler.swarmdesk = True  # replaced by the next configure(); other handlers (a test's capture) stay
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not getattr(h, "swarmdesk", False)] + [handler]
    root.setLevel(logging.INFO)
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        logger.propagate = not _switched_off(logger)
        logger.handlers = []
    return handler


def _switched_off(logger: logging.Logger) -> bool:
    """uvicorn's `--no-access-log` (no handler and no propagation): it stays off here too (it was a JSON line per
    request, behind nginx's own access log, a few per cent of a worker's CPU)."""
    return logger.name == "uvicorn.access" and not logger.handlers and not logger.propagate


class RequestContext:
    """Pure ASGI middleware: note the conversation and case a request's path names, for the log records."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the ids for the request's duration."""
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope["path"]
        found_conversation, found_case = CONVERSATION_IN_PATH.search(path), CASE_IN_PATH.search(path)
        tokens = (
            conversation_id.set(found_conversation.group(1) if found_conversation else None),
            case_number.set(found_case.group(1) if found_case else None),
        )
        try:
            await self.app(scope, receive, send)
        finally:
            conversation_id.reset(tokens[0])
            case_number.reset(tokens[1])
