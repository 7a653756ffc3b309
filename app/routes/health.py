"""`/healthz`: Redis, database, Rasa, the action server and the KB index, each reported separately."""

import httpx
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.deps import KnowledgeBaseDep, SessionDep, SettingsDep
from core.redis_client import get_redis

router = APIRouter(tags=["ops"])


def _check(probe, production: bool) -> str:
    """Run one probe; "ok" or the reason it failed (just "down" in production: no internals for the public)."""
    try:
        probe()
        return "ok"
    except Exception as error:
        return "down" if production else f"down: {type(error).__name__}: {error}"[:200]


@router.get("/livez")
def livez() -> dict:
    """The app process answers (it says nothing about its dependencies; see /healthz)."""
    return {"status": "ok"}


@router.get("/healthz")
def healthz(session: SessionDep, settings: SettingsDep, kb: KnowledgeBaseDep) -> JSONResponse:
    """Report each dependency; 200 when all are ok, 503 otherwise."""
    quiet = settings.production
    report = {
        "database": _check(lambda: session.execute(text("SELECT 1")), quiet),
        "redis": _check(lambda: get_redis().ping(), quiet),
        "rasa": _check(lambda: httpx.get(settings.rasa_url, timeout=2).raise_for_status(), quiet),
        "actions": _check(
            lambda: httpx.get(settings.action_server_url + "/health", timeout=2).raise_for_status(), quiet
        ),
        "knowledge_base": kb.status(),
    }
    healthy = all(value == "ok" for value in report.values())
    return JSONResponse({"status": "ok" if healthy else "degraded", **report}, status_code=200 if healthy else 503)
