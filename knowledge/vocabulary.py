"""The company's own words, from its published articles: what the scrubber must never take for a person's name."""

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import pii
from knowledge.models import KbArticle

_lock = threading.Lock()
_cached: dict[tuple, frozenset[str]] = {}


def company_words(session: Session) -> frozenset[str]:
    """The vocabulary of the published articles' titles, tags and bodies (worked out again when one changes)."""
    published = KbArticle.status == "published"
    stamp = tuple(session.execute(select(func.count(), func.max(KbArticle.updated_at)).where(published)).one())
    with _lock:
        if stamp not in _cached:
            rows = session.execute(select(KbArticle.title, KbArticle.body, KbArticle.tags).where(published))
            words = pii.vocabulary(f"{title}\n{' '.join(tags or [])}\n{body}" for title, body, tags in rows)
            _cached.clear()
            _cached[stamp] = words
        return _cached[stamp]
