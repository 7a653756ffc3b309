"""Jinja2 templates (autoescaped) for the web pages, and the gate in front of every staff page."""

from pathlib import Path

from fastapi import Request, status
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt

from people.auth import Principal

MARKDOWN = MarkdownIt("commonmark", {"html": False})  # articles as HTML; raw HTML in them is escaped
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def staff_page(
    request: Request, staff: Principal | None, *, roles: tuple[str, ...], template: str, context: dict
) -> Response:
    """The page for staff holding one of `roles`; signed-out visitors go to sign in, others get a 403 page."""
    if staff is None:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=status.HTTP_303_SEE_OTHER)
    if not staff.has_any(roles):
        context = {"needed": " or ".join(roles), "staff": staff}
        return templates.TemplateResponse(request, "forbidden.html", context, status_code=status.HTTP_403_FORBIDDEN)
    return templates.TemplateResponse(request, template, {"staff": staff, **context})
