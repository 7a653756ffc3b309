"""`/dev/outbox`: the development mail folder, readable by admins when MAIL_BACKEND=outbox."""

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import HTMLResponse

from app.auth import AdminDep, SettingsDep
from app.pages import templates
from mail import list_outbox, read_outbox

router = APIRouter(include_in_schema=False)
NO_OUTBOX = "the outbox exists only with MAIL_BACKEND=outbox"


@router.get("/dev/outbox", response_class=HTMLResponse)
def outbox(request: Request, admin: AdminDep, settings: SettingsDep) -> HTMLResponse:
    """The newest emails first."""
    if settings.mail_backend != "outbox":
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_OUTBOX)
    messages = list_outbox(settings.mail_outbox_dir)
    return templates.TemplateResponse(request, "dev_outbox.html", {"messages": messages, "message": None})


@router.get("/dev/outbox/{name}", response_class=HTMLResponse)
def outbox_message(name: str, request: Request, admin: AdminDep, settings: SettingsDep) -> HTMLResponse:
    """One email, its body shown as text."""
    message = read_outbox(settings.mail_outbox_dir, name) if settings.mail_backend == "outbox" else None
    if message is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, NO_OUTBOX if settings.mail_backend != "outbox" else "no such email"
        )
    return templates.TemplateResponse(request, "dev_outbox.html", {"messages": [], "message": message})
