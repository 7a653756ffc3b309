"""Build the FastAPI application: routers, static files, and per-process clients."""

import asyncio
import gc
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import anyio.to_thread
from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

import language
from app import gauges, listeners, refusals
from app.headers import SecurityHeaders
from app.input_guard import BodyLimit, sane_input
from app.openapi import with_shared_rules
from app.routes import (
    analytics,
    analytics_records,
    canned,
    cases,
    conversations,
    desk,
    desk_chat,
    desk_live,
    dev_outbox,
    handoffs,
    health,
    help_centre,
    kb,
    kb_articles,
    kb_translations,
    people,
    site,
    survey,
    swarm_pages,
    swarm_room,
    swarm_sharing,
    swarms,
    widget,
)
from app.scheduler import ROUNDS, analytics_round, run_forever
from app.widget_origins import WidgetOrigins
from core import logs, metrics
from core.live_hub import Hub
from core.postgres_line import PostgresLine
from core.redis_client import make_async_redis
from core.settings import get_settings
from handoff.rasa_client import RasaClient
from knowledge.case_index import CaseIndex
from knowledge.live_index import KnowledgeBase
from retrieval import IndexBusy


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Create this process's Redis client, knowledge base, case event bus and scheduler; stop them at shutdown."""
    app.state.async_redis = make_async_redis()
    app.state.hub = Hub(app.state.async_redis)
    settings = app.state.settings = get_settings()
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
    app.state.relay_limiter = anyio.CapacityLimiter(settings.relay_threads)
    # A bot turn waits on Rasa, whose action calls back into this app (a KB search): turns wait in threads of
    # their own, so the search always finds one of the request threads free.
    app.state.bot_turn_limiter = anyio.CapacityLimiter(settings.bot_turn_threads)
    postgres = settings.database_url.startswith("postgresql://")
    app.state.postgres_line = PostgresLine(settings.database_url, settings.relay_threads) if postgres else None
    app.state.rasa = RasaClient(
        base_urls=settings.rasa_servers,
        timeout=settings.rasa_timeout_seconds,
        cooldown_seconds=settings.rasa_cooldown_seconds,
    )
    app.state.knowledge_base = KnowledgeBase(settings)
    app.state.case_index = CaseIndex(settings, app.state.knowledge_base)
    if settings.kb_preload:
        app.state.knowledge_base.warm_up()
    # In the background: until it is loaded, messages do not count towards a language.
    language.preload(enabled=settings.language_detection)
    listeners.wire(app)
    gauges.register()
    rounds = (*ROUNDS, analytics_round(app.state.knowledge_base))
    timers = [asyncio.create_task(run_forever(settings, round_)) for round_ in rounds]
    _freeze_what_startup_made()
    yield
    for timer in timers:
        timer.cancel()
    await app.state.hub.close()
    if app.state.postgres_line is not None:
        await app.state.postgres_line.close()
    app.state.knowledge_base.close()
    app.state.case_index.close()
    app.state.rasa.close()
    await app.state.async_redis.aclose()


def _freeze_what_startup_made() -> None:
    """Exempt everything startup made (modules, the KB, …) from the garbage collector's full passes: scanning
    those objects took 40–100 ms a pass, which stalled every live chat line in flight on this worker."""
    gc.freeze()


def create_app() -> FastAPI:
    """Assemble the Swarmdesk app."""
    settings = get_settings()
    logs.configure(settings.log_format)
    docs = {} if not settings.production else {"docs_url": None, "redoc_url": None, "openapi_url": None}
    app = FastAPI(title="Swarmdesk", version="0.1.0", lifespan=lifespan, dependencies=[Depends(sane_input)], **docs)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=get_settings().trusted_proxies)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    routers = (
        site.router,
        help_centre.router,
        health.router,
        conversations.router,
        conversations.ws_router,
        survey.api,
        survey.pages,
        widget.router,
        kb_articles.router,
        kb_articles.pages,
        kb_translations.router,
        kb.router,
        cases.router,
        handoffs.router,
        desk.router,
        desk_chat.router,
        desk_live.router,
        canned.pages,
        canned.api,
        canned.desk,
        swarms.router,
        swarm_room.router,
        swarm_sharing.router,
        swarm_pages.router,
        dev_outbox.router,
        analytics.router,
        analytics.pages,
        analytics_records.pages,
    )
    for router in (*routers, people.pages, people.api):
        app.include_router(router)
    app.add_exception_handler(IndexBusy, refusals.index_busy)
    app.add_exception_handler(StarletteHTTPException, refusals.http_error)
    app.openapi = lambda: with_shared_rules(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(WidgetOrigins, allowed=settings.widget_origins)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(logs.RequestContext)
    app.add_middleware(metrics.CountErrors)
    return app


app = create_app()
