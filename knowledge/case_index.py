"""Past resolutions as a search index: each resolved case is an "article" (id = case number, title = subject, body =
the resolution), scrubbed of personal data, so the desk can show agents how a problem like this one was solved.

The database's resolved and closed cases are the source: the index is built from them when it is empty on first
use, a case is added when it is resolved and taken out when it is reopened (`app/listeners/past_cases.py`)."""

import logging
import threading
import time
from pathlib import Path

from sqlalchemy import select

from cases.models import Case, case_id
from core import pii
from core.db import get_session_factory
from core.redis_client import get_redis
from core.settings import Settings
from knowledge.live_index import KnowledgeBase
from knowledge.vocabulary import company_words
from retrieval import Article, IndexBusy, IndexWatcher, Retriever, announce

log = logging.getLogger(__name__)
INDEXED = ("resolved", "closed")  # the statuses whose resolution stands
BUSY_TRIES = 5  # another worker writing the index: try again this many times, a second apart


def folder(settings: Settings) -> Path:
    """The case index's folder: `CASE_INDEX_DIR`, else `INDEX_DIR` with "-cases" added."""
    return settings.case_index_dir or settings.index_dir.with_name(f"{settings.index_dir.name}-cases")


def to_article(case: Case, vocabulary: frozenset[str]) -> Article:
    """A resolved case as an index article: its subject and resolution with personal data scrubbed (the company's
    own `vocabulary` is never taken for a name)."""
    names = [case.customer_name or "", case.assignee_name or ""]
    return Article(
        id=case.number,
        title=pii.scrub(case.subject, names, vocabulary),
        body=pii.scrub(case.resolution or "", names, vocabulary),
        tags=tuple(case.tags or ()),
    )


class CaseIndex:
    """The process's index of resolved cases: opened on first use, reloaded when another process changes it."""

    def __init__(self, settings: Settings, knowledge_base: KnowledgeBase) -> None:
        self.settings, self.knowledge_base = settings, knowledge_base
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._watcher: IndexWatcher | None = None

    @property
    def prefix(self) -> str:
        """Redis prefix of the index's version key and channel."""
        return f"{self.settings.redis_prefix}:cases"

    @property
    def retriever(self) -> Retriever:
        """The live index, opened (and, when empty, built from the resolved cases) on first use."""
        with self._lock:
            if self._retriever is None:
                shared = self.knowledge_base.retriever.base_embedder
                retriever = Retriever.open(folder(self.settings), create=True, embedder=shared)
                if not retriever.articles():
                    articles = self.source()
                    log.info("case index is empty: building it from %s resolved cases", len(articles))
                    retriever.reindex(articles, tune="never")
                self._watcher = IndexWatcher(retriever, redis=get_redis(), prefix=self.prefix).start()
                self._retriever = retriever
            return self._retriever

    def source(self) -> list[Article]:
        """Every resolved or closed case with a resolution, as index articles."""
        with get_session_factory()() as session:
            query = select(Case).where(Case.status.in_(INDEXED), Case.resolution.is_not(None)).order_by(Case.id)
            vocabulary = company_words(session)
            return [to_article(case, vocabulary) for case in session.scalars(query) if case.resolution.strip()]

    def built(self) -> bool:
        """Whether the index exists yet (until it does, its first use builds it from the database)."""
        return self._retriever is not None or (folder(self.settings) / "CURRENT").is_file()

    def apply(self, number: str) -> None:
        """Make the index reflect one case as it stands now (resolved → in it, reopened → out), and tell the other
        workers; a write another worker holds up is tried again. Nothing to do before the index is built."""
        if not self.built():
            return
        retriever = self.retriever
        with self._lock:  # read and write together: the last change of a case to be applied is its latest state
            with get_session_factory()() as session:
                key = case_id(number)
                case = session.get(Case, key) if key is not None else None
                keep = case is not None and case.status in INDEXED and (case.resolution or "").strip()
                article = to_article(case, company_words(session)) if keep else None
            for attempt in range(BUSY_TRIES):
                try:
                    version = retriever.upsert(article) if article else retriever.remove(number)
                    break
                except IndexBusy:
                    if attempt == BUSY_TRIES - 1:
                        raise
                    time.sleep(1)
        announce(get_redis(), version, prefix=self.prefix)

    def close(self) -> None:
        """Stop watching for new versions."""
        if self._watcher is not None:
            self._watcher.stop()
