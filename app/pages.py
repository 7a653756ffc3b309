"""Jinja2 templates (autoescaped) for the web pages, the language a customer page is shown in, and the gate in front
of every staff page."""

from functools import partial
from pathlib import Path

from babel.core import negotiate_locale
from fastapi import Request, status
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt

from language import SERVED
from language.catalog import translate
from people.auth import Principal

MARKDOWN = MarkdownIt("commonmark", {"html": False})  # articles as HTML; raw HTML in them is escaped
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def in_language(language: str | None) -> dict:
    """A customer page's context for `language` (English when we don't serve it): its `lang`, and `_` to translate."""
    lang = language if language in SERVED else "en"
    return {"lang": lang, "_": partial(translate, language=lang)}


def browser_language(request: Request) -> str:
    """The first served language the browser asks for (Accept-Language), else English."""
    asked = [part.split(";")[0].strip() for part in request.headers.get("accept-language", "").split(",")]
    return negotiate_locale(asked, list(SERVED), sep="-") or "en"


templates.env.globals.update(in_language("en"))  # a page that names no language is in English


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
