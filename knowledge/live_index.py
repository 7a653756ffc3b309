"""The process's knowledge-base indexes: opened on first use, reloaded when another process re-indexes.

The database's published articles are the source (`kb/` files whose id the database lacks are imported as
published first, and `kb/translations/<locale>/` files as their translations). English holds every published
article; each other served language that has translations of published articles has an index of its own (a folder
under the English one, e.g. `index_dir/nl`), built wherever the English one is built and updated with every change
of an article or a translation. Publishing, editing and archiving update the indexes one article at a time."""

import logging
import threading
from pathlib import Path

from redis.exceptions import RedisError
from sqlalchemy import update

from core import metrics
from core.db import get_session_factory
from core.redis_client import get_redis, key
from core.settings import Settings
from knowledge import translations
from knowledge.files import import_folder, import_translations
from knowledge.models import LOCALES, SOURCE_LANGUAGE, KbArticle
from knowledge.service import KnowledgeService, to_retrieval
from retrieval import Article, BuildResult, IndexWatcher, ReindexJobs, Retriever, announce

log = logging.getLogger(__name__)


class KnowledgeBase:
    """This app process's indexes (English, and one per language with translations), their watchers and the re-index
    jobs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._languages_lock = threading.Lock()  # taken inside `_lock`, never the other way round
        self._retriever: Retriever | None = None
        self._watcher: IndexWatcher | None = None
        self._jobs: ReindexJobs | None = None
        self._translated: dict[str, Retriever] = {}
        self._watchers: list[IndexWatcher] = []

    @property
    def prefix(self) -> str:
        """Redis prefix of the English index's version key, channel and job records."""
        return f"{self.settings.redis_prefix}:kb"

    def prefix_of(self, language: str) -> str:
        """Redis prefix of a language's index (English: `prefix`)."""
        return self.prefix if language == SOURCE_LANGUAGE else f"{self.prefix}:{language}"

    def folder(self, language: str) -> Path:
        """A language's index folder: the English one is `index_dir`, the others `index_dir/<language>`."""
        return self.settings.index_dir if language == SOURCE_LANGUAGE else self.settings.index_dir / language

    @property
    def retriever(self) -> Retriever:
        """The live English index, opened (and, when empty, built from the KB folder) on first use."""
        return self.open()

    def open(self) -> Retriever:
        """Open the English index once (building it, and then the languages' indexes, when empty) and watch it."""
        with self._lock:
            if self._retriever is None:
                retriever = Retriever.open(self.settings.index_dir, create=True)
                if not retriever.articles() or retriever.built_with_another_model:
                    log.info("building index %s from the published articles", self.settings.index_dir)
                    _timed(retriever.reindex(*self.source()))
                    self._reindex_languages(retriever)
                self._watcher = IndexWatcher(retriever, redis=get_redis(), prefix=self.prefix).start()
                self._retriever = retriever
            return self._retriever

    def searched(self, language: str) -> tuple[str, Retriever]:
        """The index a search in a served language uses, and the language it holds: the language's own once it
        holds an article, else English."""
        english = self.retriever
        if language != SOURCE_LANGUAGE:
            own = self._translated.get(language)
            if own is None and (self.folder(language) / "CURRENT").is_file():  # built here or by another process
                own = self._language_index(language, english)
            if own is not None and own.articles():
                return language, own
        return SOURCE_LANGUAGE, english

    def _language_index(self, language: str, english: Retriever) -> Retriever:
        """A language's index, opened (created empty when absent) once and watched; it shares the base model with
        the English index unless the language has a model of its own (Dutch and Italian: the multilingual one) or
        it was tuned on its own KB."""
        with self._languages_lock:
            if language not in self._translated:
                retriever = Retriever.open(self.folder(language), create=True, embedder=english.embedder_for(language))
                if retriever.built_with_another_model:  # embedded by the model the language had before
                    _timed(retriever.reindex(retriever.articles()))
                watcher = IndexWatcher(retriever, redis=get_redis(), prefix=self.prefix_of(language))
                self._watchers.append(watcher.start())
                self._translated[language] = retriever
            return self._translated[language]

    @property
    def jobs(self) -> ReindexJobs:
        """Re-index jobs over the KB folder (English, then the languages); one runs at a time across every app
        process."""
        retriever = self.retriever
        with self._lock:
            if self._jobs is None:
                self._jobs = ReindexJobs(
                    retriever, self.source, redis=get_redis(), prefix=self.prefix, on_done=self._after_reindex
                )
            return self._jobs

    def _after_reindex(self, result: BuildResult) -> None:
        """A re-index job rebuilt English: time it, then rebuild the languages."""
        _timed(result)
        self._reindex_languages(self.retriever)

    def source(self) -> tuple[list[Article], list]:
        """Every published article, after importing `kb/` files whose id (and translation files whose id and
        locale) the database does not hold yet."""
        with get_session_factory()() as session:
            service = KnowledgeService(session)
            if self.settings.kb_dir.is_dir():
                added, errors = import_folder(service, self.settings.kb_dir)
                translated, translation_errors = import_translations(service, self.settings.kb_dir)
                session.commit()
                for error in errors + translation_errors:
                    log.warning("kb file skipped: %s", error)
                if added or translated:
                    log.info("imported %s articles, %s translations from %s", added, translated, self.settings.kb_dir)
            return [to_retrieval(article) for article in service.published()], []

    def language_sources(self) -> dict[str, list[Article]]:
        """Each language's published translations, for the languages that have some or already have an index."""
        with get_session_factory()() as session:
            found = {language: translations.published(session, language) for language in LOCALES}
        return {
            language: articles for language, articles in found.items() if articles or self.folder(language).is_dir()
        }

    def _reindex_languages(self, english: Retriever) -> None:
        """Bring each language's index in line with its published translations, and tell the other workers."""
        for language, articles in self.language_sources().items():
            retriever = self._language_index(language, english)
            _timed(retriever.reindex(articles))
            announce(get_redis(), retriever.version, prefix=self.prefix_of(language))

    def apply(self, article: KbArticle) -> None:
        """Make the indexes reflect one article now (published → in English and in each language it is translated
        into, otherwise out of all), and tell the other workers."""
        with metrics.timed(metrics.REINDEX.labels("article")):
            if article.status == "published":
                version = self.retriever.upsert(to_retrieval(article))
            else:
                version = self.retriever.remove(article.id)
        announce(get_redis(), version, prefix=self.prefix)
        translated = {translation.locale for translation in article.translations}
        for language in LOCALES:
            if language in translated or (self.folder(language) / "CURRENT").is_file():
                self.apply_translation(article, language)

    def apply_translation(self, article: KbArticle, language: str) -> None:
        """Make one language's index reflect one article (published and translated → in it, otherwise out), and
        tell the other workers."""
        retriever = self._language_index(language, self.retriever)
        translation = translations.of(article, language)
        with metrics.timed(metrics.REINDEX.labels("article")):
            if article.status == "published" and translation is not None:
                version = retriever.upsert(to_retrieval(article, translation))
            else:
                version = retriever.remove(article.id)
        announce(get_redis(), version, prefix=self.prefix_of(language))

    def status(self) -> str:
        """ "ok" once the English index is open, "loading" before (health checks report it)."""
        return "ok" if self._retriever is not None else "loading"

    def warm_up(self) -> None:
        """Open (and if needed build) the indexes in the background, so the first question is not slow."""
        threading.Thread(target=self._open_quietly, name="kb-warm-up", daemon=True).start()

    def _open_quietly(self) -> None:
        """Open the English index, then the languages' that exist; a failure is logged and retried by the next
        request."""
        try:
            self.open()
            for language in LOCALES:
                self.searched(language)
        except Exception:
            log.exception("could not open the knowledge-base indexes under %s", self.settings.index_dir)

    def close(self) -> None:
        """Stop watching for new versions."""
        for watcher in [self._watcher, *self._watchers]:
            if watcher is not None:
                watcher.stop()


def _timed(result: BuildResult) -> None:
    """Record how long a full re-index took."""
    metrics.REINDEX.labels("all").observe(result.seconds)


def index_now(settings: Settings, progress=None) -> None:
    """Bring the indexes in line with the published articles and their translations (only changed ones are
    embedded)."""
    kb = KnowledgeBase(settings)
    english = Retriever.open(settings.index_dir, create=True)
    result = english.reindex(*kb.source(), progress=progress)
    if progress is not None:
        progress.close()
    log.info("index %s: %s articles embedded, %s removed", result.version, len(result.embedded), len(result.removed))
    for language, articles in kb.language_sources().items():
        retriever = Retriever.open(kb.folder(language), create=True, embedder=english.embedder_for(language))
        own = retriever.reindex(articles)
        log.info("%s index %s: %s translations embedded", language, own.version, len(own.embedded))


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
