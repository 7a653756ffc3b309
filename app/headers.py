"""Security headers on every response: a strict Content-Security-Policy (scripts and styles from our own origin
only, never inline or eval), no framing, no MIME sniffing, no referrer (guest links carry a token in the URL)."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
API_DOCS = ("/docs", "/redoc")  # FastAPI's pages load their scripts from a CDN; off in production


class SecurityHeaders:
    """Add the headers to each HTTP response (WebSockets pass untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap `send` so the response start carries the headers."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        csp = [] if scope["path"].startswith(API_DOCS) else [(b"content-security-policy", CSP.encode())]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = message | {"headers": [*message.get("headers", []), *HEADERS, *csp]}
            await send(message)

        await self.app(scope, receive, with_headers)
