"""Which sites may embed the chat widget: the customer chat API and socket serve pages of our own site and of the
`WIDGET_ORIGINS` setting (CORS by Starlette's middleware), and refuse pages of any other site with 403."""

from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from core.live_hub import is_this_site

WIDGET_PATHS = ("/api/conversations", "/api/widget/", "/ws/conversations/")
ALLOW = "Authorization, Content-Type"


def may_embed(origin: str | None, host: str | None, allowed: list[str]) -> bool:
    """True for a client that is not a browser page (no Origin), a page of this site, or an allowed site's page."""
    return origin is None or is_this_site(origin, host) or origin.rstrip("/") in allowed


class WidgetOrigins:
    """Gate the widget's routes by the caller's Origin; answer allowed sites' preflights and add CORS headers."""

    def __init__(self, app: ASGIApp, allowed: list[str]) -> None:
        self.app = app
        self.allowed = [origin.rstrip("/") for origin in allowed]
        methods, headers = ["GET", "POST"], ALLOW.split(", ")
        self.cors = CORSMiddleware(app, allow_origins=self.allowed, allow_methods=methods, allow_headers=headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass other routes through; refuse a widget route from a site that may not embed it."""
        if scope["type"] not in ("http", "websocket") or not scope["path"].startswith(WIDGET_PATHS):
            return await self.app(scope, receive, send)
        headers = {key.decode("latin-1"): value.decode("latin-1") for key, value in scope["headers"]}
        origin = headers.get("origin")
        if may_embed(origin, headers.get("host"), self.allowed):
            return await (self.cors if scope["type"] == "http" else self.app)(scope, receive, send)
        if scope["type"] == "websocket":
            return await send({"type": "websocket.close", "code": 4403, "reason": "this site may not embed the chat"})
        readable = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}  # the widget shows why, nothing more
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            # Let the preflight through so the request itself gets the refusal below, which the widget can read
            # (a failed preflight looks to it like a network error).
            preflight = readable | {"Access-Control-Allow-Methods": "GET, POST", "Access-Control-Allow-Headers": ALLOW}
            return await Response(status_code=204, headers=preflight)(scope, receive, send)
        refusal = f"the chat is not set up for {origin}: its address must be in the WIDGET_ORIGINS setting"
        await JSONResponse({"detail": refusal}, status_code=403, headers=readable)(scope, receive, send)
