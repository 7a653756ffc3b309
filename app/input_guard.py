"""Request bodies over the size limit get 413 before they are read (declared or streamed), so a huge body never
fills the app's memory. Pure ASGI middleware: WebSockets and responses pass untouched (frames are limited by
uvicorn's `--ws-max-size`, see `ops/stack.py`)."""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
