"""The demo company's public page, which embeds the chat widget."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.pages import templates

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """The Lumora demo page with the chat widget."""
    return templates.TemplateResponse(request, "index.html", {})
