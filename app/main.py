"""Build the FastAPI application: routers, static files, and per-process clients."""

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.knowledge import KnowledgeBase
from app.redis_client import make_async_redis
from app.routes import conversations, health, help_centre, kb, people, site
from app.settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI):
    """Create this process's asyncio Redis client and knowledge base; close them at shutdown."""
    app.state.async_redis = make_async_redis()
    app.state.knowledge_base = KnowledgeBase(get_settings())
    yield
    app.state.knowledge_base.close()
    await app.state.async_redis.aclose()


def create_app() -> FastAPI:
    """Assemble the Swarmdesk app."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = FastAPI(title="Swarmdesk", version="0.1.0", lifespan=lifespan)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    routers = (site.router, help_centre.router, health.router, conversations.router, conversations.ws_router, kb.router)
    for router in (*routers, people.pages, people.api):
        app.include_router(router)
    return app


app = create_app()
