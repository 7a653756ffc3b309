"""The process's knowledge-base index: opened on first use, reloaded when another process re-indexes."""

import logging
import threading
from functools import partial
from typing import Annotated

from fastapi import Depends, Request

from app.redis_client import get_redis
from app.settings import Settings
from retrieval import IndexWatcher, ReindexJobs, Retriever, load_kb

log = logging.getLogger(__name__)


class KnowledgeBase:
    """One index folder for this app process: its retriever, its watcher and its re-index jobs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._watcher: IndexWatcher | None = None
        self._jobs: ReindexJobs | None = None

    @property
    def prefix(self) -> str:
        """Redis prefix of the index's version key, channel and job records."""
        return f"{self.settings.redis_prefix}:kb"

    @property
    def retriever(self) -> Retriever:
        """The live index, opened (and, when empty, built from the KB folder) on first use."""
        return self.open()

    def open(self) -> Retriever:
        """Open the index once (building it from the KB folder when empty) and watch it for new versions."""
        with self._lock:
            if self._retriever is None:
                retriever = Retriever.open(self.settings.index_dir, create=True)
                if not retriever.articles() and self.settings.kb_dir.is_dir():
                    log.info("index %s is empty: building it from %s", self.settings.index_dir, self.settings.kb_dir)
                    retriever.reindex(*load_kb(self.settings.kb_dir))
                self._watcher = IndexWatcher(retriever, redis=get_redis(), prefix=self.prefix).start()
                self._retriever = retriever
            return self._retriever

    @property
    def jobs(self) -> ReindexJobs:
        """Re-index jobs over the KB folder; one runs at a time across every app process."""
        retriever = self.retriever
        with self._lock:
            if self._jobs is None:
                source = partial(load_kb, self.settings.kb_dir)
                self._jobs = ReindexJobs(retriever, source, redis=get_redis(), prefix=self.prefix)
            return self._jobs

    def status(self) -> str:
        """ "ok" once the index is open, "loading" before (health checks report it)."""
        return "ok" if self._retriever is not None else "loading"

    def warm_up(self) -> None:
        """Open (and if needed build) the index in the background, so the first question is not slow."""
        threading.Thread(target=self._open_quietly, name="kb-warm-up", daemon=True).start()

    def _open_quietly(self) -> None:
        """Open the index; a failure is logged and retried by the next request."""
        try:
            self.open()
        except Exception:
            log.exception("could not open the knowledge-base index %s", self.settings.index_dir)

    def close(self) -> None:
        """Stop watching for new versions."""
        if self._watcher is not None:
            self._watcher.stop()


def get_knowledge_base(request: Request) -> KnowledgeBase:
    """The app's knowledge base (created in the lifespan)."""
    return request.app.state.knowledge_base


KnowledgeBaseDep = Annotated[KnowledgeBase, Depends(get_knowledge_base)]
