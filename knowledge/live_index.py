"""The process's knowledge-base index: opened on first use, reloaded when another process re-indexes.

The database's published articles are the source (`kb/` files whose id the database lacks are imported as
published first); publishing, editing and archiving update the index one article at a time."""

import logging
import threading

from redis.exceptions import RedisError
from sqlalchemy import update

from core import metrics
from core.db import get_session_factory
from core.redis_client import get_redis, key
from core.settings import Settings
from knowledge.files import import_folder
from knowledge.models import KbArticle
from knowledge.service import KnowledgeService, to_retrieval
from retrieval import Article, BuildResult, IndexWatcher, ReindexJobs, Retriever, announce

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
                if not retriever.articles():
                    log.info("index %s is empty: building it from the published articles", self.settings.index_dir)
                    _timed(retriever.reindex(*self.source()))
                self._watcher = IndexWatcher(retriever, redis=get_redis(), prefix=self.prefix).start()
                self._retriever = retriever
            return self._retriever

    @property
    def jobs(self) -> ReindexJobs:
        """Re-index jobs over the KB folder; one runs at a time across every app process."""
        retriever = self.retriever
        with self._lock:
            if self._jobs is None:
                self._jobs = ReindexJobs(retriever, self.source, redis=get_redis(), prefix=self.prefix, on_done=_timed)
            return self._jobs

    def source(self) -> tuple[list[Article], list]:
        """Every published article, after importing `kb/` files whose id the database does not hold yet."""
        with get_session_factory()() as session:
            service = KnowledgeService(session)
            if self.settings.kb_dir.is_dir():
                added, errors = import_folder(service, self.settings.kb_dir)
                session.commit()
                for error in errors:
                    log.warning("kb file skipped: %s", error)
                if added:
                    log.info("imported %s articles from %s", added, self.settings.kb_dir)
            return [to_retrieval(article) for article in service.published()], []

    def apply(self, article: KbArticle) -> None:
        """Make the index reflect one article now (published → in it, otherwise out), and tell the other workers."""
        with metrics.timed(metrics.REINDEX.labels("article")):
            if article.status == "published":
                version = self.retriever.upsert(to_retrieval(article))
            else:
                version = self.retriever.remove(article.id)
        announce(get_redis(), version, prefix=self.prefix)

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


def _timed(result: BuildResult) -> None:
    """Record how long a full re-index took."""
    metrics.REINDEX.labels("all").observe(result.seconds)


def index_now(settings: Settings, progress=None) -> None:
    """Bring the index in line with the published articles (only changed ones are embedded)."""
    retriever = Retriever.open(settings.index_dir, create=True)
    result = retriever.reindex(*KnowledgeBase(settings).source(), progress=progress)
    if progress is not None:
        progress.close()
    log.info("index %s: %s articles embedded, %s removed", result.version, len(result.embedded), len(result.removed))


def count_served(article_id: str) -> None:
    """Count one answer the bot gave from an article; a Redis failure loses only the count (logged)."""
    try:
        get_redis().hincrby(key("kb", "served"), article_id, 1)
    except RedisError as error:
        log.warning("served count of %s lost: %s", article_id, error)


def flush_served_counts(settings: Settings) -> int:
    """Add the counted servings to the articles (the scheduler's slow round); returns how many articles."""
    client, pending = get_redis(), key("kb", "served")
    taking = key("kb", "served", "flushing")
    if not client.exists(pending):
        return 0
    client.rename(pending, taking)  # new counts go to a fresh hash meanwhile
    counts = {article_id: int(n) for article_id, n in client.hgetall(taking).items()}
    with get_session_factory()() as session:
        for article_id, n in counts.items():
            session.execute(update(KbArticle).where(KbArticle.id == article_id).values(served=KbArticle.served + n))
        session.commit()
    client.delete(taking)
    return len(counts)
