"""`/dev/outbox`: the development mail folder, readable by admins when MAIL_BACKEND=outbox."""

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from app.deps import AdminDep, SettingsDep
from app.pages import templates
from core.settings import Settings
from mail import list_outbox, read_outbox

router = APIRouter(include_in_schema=False)


def _outbox_dir(settings: Settings) -> Path:
    """The outbox folder, or 404 when mail goes out over SMTP."""
    if settings.mail_backend != "outbox":
        raise HTTPException(status.HTTP_404_NOT_FOUND, "the outbox exists only with MAIL_BACKEND=outbox")
    return settings.mail_outbox_dir


@router.get("/dev/outbox", response_class=HTMLResponse)
def outbox(request: Request, admin: AdminDep, settings: SettingsDep) -> HTMLResponse:
    """The newest emails first."""
    messages = list_outbox(_outbox_dir(settings))
    return templates.TemplateResponse(request, "dev_outbox.html", {"messages": messages, "message": None})


@router.get("/dev/outbox/{name}", response_class=HTMLResponse)
def outbox_message(name: str, request: Request, admin: AdminDep, settings: SettingsDep) -> HTMLResponse:
    """One email, its body shown as text."""
    message = read_outbox(_outbox_dir(settings), name)
    if message is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such email in the outbox")
    return templates.TemplateResponse(request, "dev_outbox.html", {"messages": [], "message": message})
