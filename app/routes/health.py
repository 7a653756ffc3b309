"""`/livez` (the process), `/readyz` and `/healthz` (database, Redis, Rasa, the action server and the KB index, each
reported separately)."""

import hmac
from typing import Literal

import httpx
from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel
from sqlalchemy import text

from app.deps import KnowledgeBaseDep, SessionDep, SettingsDep
from app.openapi import refusals
from core import metrics
from core.redis_client import get_redis
from core.settings import Settings

router = APIRouter(tags=["ops"])


class Health(BaseModel):
    """The overall status, and each dependency "ok" or why not (only the status in production, without the token)."""

    status: Literal["ok", "degraded"]
    database: str | None = None
    redis: str | None = None
    rasa: str | None = None
    actions: str | None = None
    knowledge_base: str | None = None


HEALTH = {200: {"model": Health}, 503: {"model": Health, "description": "A dependency is down: the report says which"}}


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


@router.get("/readyz", responses=HEALTH)
def readyz(request: Request, session: SessionDep, settings: SettingsDep, kb: KnowledgeBaseDep) -> JSONResponse:
    """Ready to serve: the database, Redis, Rasa and the index each "ok" (200) or not (503). In production the
    details need the ops token (`Authorization: Bearer <OPS_TOKEN>`); without it only the status is given."""
    report = _report(session, settings, kb, quiet=False)
    shown = report if not settings.production or _ops_token_given(request, settings) else {"status": report["status"]}
    return JSONResponse(shown, status_code=200 if report["status"] == "ok" else 503)


def _ops_token_given(request: Request, settings: Settings) -> bool:
    """Whether the request carries the configured ops token."""
    given = request.headers.get("authorization", "").removeprefix("Bearer ")
    return bool(settings.ops_token) and hmac.compare_digest(given, settings.ops_token)


@router.get("/metrics", response_class=PlainTextResponse, responses=refusals(404))
def prometheus_metrics(request: Request, settings: SettingsDep) -> Response:
    """The metrics in Prometheus text format; in production only with the ops token (404 otherwise)."""
    if settings.production and not _ops_token_given(request, settings):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Not Found")
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


@router.get("/healthz", responses=HEALTH)
def healthz(session: SessionDep, settings: SettingsDep, kb: KnowledgeBaseDep) -> JSONResponse:
    """Report each dependency; 200 when all are ok, 503 otherwise."""
    report = _report(session, settings, kb, quiet=settings.production)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


def _any_rasa(servers: list[str]) -> None:
    """Pass when at least one Rasa server answers (the app fails over to it); raise the last error otherwise."""
    for url in servers:
        try:
            httpx.get(url, timeout=2).raise_for_status()
            return
        except httpx.HTTPError as error:
            failure = error
    raise failure


def _report(session, settings: Settings, kb, *, quiet: bool) -> dict:
    """Each dependency "ok" or why not, and the overall status."""
    report = {
        "database": _check(lambda: session.execute(text("SELECT 1")), quiet),
        "redis": _check(lambda: get_redis().ping(), quiet),
        "rasa": _check(lambda: _any_rasa(settings.rasa_servers), quiet),
        "actions": _check(
            lambda: httpx.get(settings.action_server_url + "/health", timeout=2).raise_for_status(), quiet
        ),
        "knowledge_base": kb.status(),
    }
    healthy = all(value == "ok" for value in report.values())
    return {"status": "ok" if healthy else "degraded", **report}
