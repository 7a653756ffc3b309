"""What publishing an article would change: which questions would get it instead of what they get today."""

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from core import pii
from retrieval import Article, Retriever
from retrieval.embedder import Embedder

NEIGHBOURS = 10  # the published articles nearest the new one, whose own questions are checked
CUSTOMER = "customer"
MAX_NOTE_CHARS = 200


@dataclass(frozen=True)
class Change:
    """One question that would get the article: whose question it is, what it gets today, what it would get."""

    question: str
    source: str  # "customer" (a recent chat) or the id of the article whose own question it is
    source_title: str
    today: str  # "answered by <title>", "asked which of <titles>" or "no answer"
    after: str  # "answer" or "clarify" (offered among others)

    @property
    def takes_over(self) -> bool:
        """Whether this is another article's own question that the article would now answer, or turn from an answer
        into a "Did you mean…"."""
        return self.source != CUSTOMER and (self.after == "answer" or self.today.startswith("answered by"))


@dataclass(frozen=True)
class Impact:
    """The changes publishing would make, and how many questions were checked."""

    changes: list[Change]
    checked: int

    @property
    def taken(self) -> list[Change]:
        """The other articles' own questions the article would take from them."""
        return [change for change in self.changes if change.takes_over]

    def to_dict(self) -> dict:
        """As JSON: {"checked", "changes": [...], "taken": [...]}, each change with its `takes_over`."""
        rows = [asdict(change) | {"takes_over": change.takes_over} for change in self.changes]
        return {"checked": self.checked, "changes": rows, "taken": [row for row in rows if row["takes_over"]]}


def impact(live: Retriever, article: Article, customer_questions: list[str]) -> Impact:
    """Search the questions the article could take, in a trial index holding it; IndexBusy if a writer interfered."""
    candidates = _candidates(live, article, customer_questions)
    changes = []
    with live.trial(article) as trial:
        for question, source, source_title in candidates:
            vector = _embedding(live.embedder, question)  # the trial shares the live embedder
            after = _gets(trial.search(question, top_k=3, vector=vector), article.id)
            if after is None:
                continue
            today = live.search(question, top_k=3, vector=vector)
            if _gets(today, article.id) != after:
                changes.append(Change(question, source, source_title, _describe(today), after))
    return Impact(changes, len(candidates))


def _candidates(live: Retriever, article: Article, customer_questions: list[str]) -> list[tuple[str, str, str]]:
    """The own questions of the articles nearest this one, then the customers' questions, each once."""
    near: dict[str, Article] = {}
    for probe in filter(str.strip, (article.title, *article.questions)):  # a blank one finds nothing
        for hit in live.search(probe, top_k=NEIGHBOURS)["hits"]:
            found = live.get_article(hit["article_id"])
            if found is not None and found.id != article.id:
                near.setdefault(found.id, found)
    own = [(q, a.id, a.title) for a in near.values() for q in a.questions]
    customers = [(q, CUSTOMER, "") for q in customer_questions]
    unique: dict[str, tuple[str, str, str]] = {}
    for candidate in own + customers:
        unique.setdefault(candidate[0].lower(), candidate)
    return list(unique.values())


@lru_cache(maxsize=4096)
def _embedding(embedder: Embedder, question: str) -> np.ndarray:
    """A question's embedding, kept: most come back at every publish (the neighbours' own, the latest customers')."""
    return embedder.encode_query(question.strip())


def _gets(result: dict, article_id: str) -> str | None:
    """ "answer" when the search answers with the article, "clarify" when it offers it among others, else None."""
    offered = [hit["article_id"] for hit in result["offered"]]
    if article_id not in offered:
        return None
    return "answer" if result["decision"] == "answer" else "clarify"


def _describe(result: dict) -> str:
    """What a question gets today, in words."""
    titles = [hit["title"] for hit in result["offered"]]
    if result["decision"] == "answer":
        return f"answered by {titles[0]}"
    if result["decision"] == "clarify":
        return f"asked which of {', '.join(titles)}"
    return "no answer"


class TakesOver(Exception):
    """Publishing would take other articles' own questions, and the editor has not confirmed it."""

    def __init__(self, found: Impact) -> None:
        self.impact = found
        owners = sorted({change.source_title for change in found.taken})
        super().__init__(
            f"publishing takes {len(found.taken)} question(s) that {', '.join(owners)} answer(s) today; look at the "
            "impact and confirm to publish anyway"
        )


def takeover_note(live: Retriever, article: Article, customer_questions: list[str], *, confirmed: bool) -> str:
    """The history note for publishing `article` ("" when it takes no other article's question); TakesOver when it
    would take some and that is not `confirmed`."""
    taken = impact(live, article, customer_questions).taken
    if taken and not confirmed:
        raise TakesOver(Impact(taken, len(taken)))
    quoted = ", ".join(f"“{change.question}” ({change.source_title})" for change in taken)
    return f"confirmed taking: {quoted}"[:MAX_NOTE_CHARS] if taken else ""


def asked_by_customers(texts: list[str], vocabulary: frozenset[str]) -> list[str]:
    """Customers' messages that say something, scrubbed of personal data, once each."""
    scrubbed = (_scrubbed(text, vocabulary) for text in texts if not text.startswith("/"))
    return list(dict.fromkeys(text for text in scrubbed if pii.says_something(text)))


@lru_cache(maxsize=4096)
def _scrubbed(text: str, vocabulary: frozenset[str]) -> str:
    """One message scrubbed, kept: the latest customers' messages are checked again at every publish."""
    return pii.scrub(text, (), vocabulary)
