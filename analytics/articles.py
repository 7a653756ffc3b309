"""Knowledge figures: answers served and helpful rates per article, articles drafted from cases and their reuse,
clarifications, and the top unanswered question clusters (with a draft article made from one)."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics.days import as_date
from analytics.models import Cluster, Daily, Question
from analytics.period import Period, ratio
from analytics.queries import count, sums
from core.db import as_utc
from knowledge.models import KbArticle, KbArticleCase
from knowledge.service import Content, KnowledgeService

MIN_FEEDBACK = 3  # answers with feedback an article needs before it is ranked among the worst helpful rates
TOP = 10
EXAMPLES = 3
DRAFT_QUESTIONS = 10


def _titles(session: Session, ids) -> dict[str, str]:
    """Article id → title."""
    return (
        dict(session.execute(select(KbArticle.id, KbArticle.title).where(KbArticle.id.in_(list(ids)))).all())
        if ids
        else {}
    )


def knowledge(session: Session, period: Period) -> dict:
    """Per article: answers served, helpful rate; the worst rates; clarifications; articles drafted from cases."""
    found = sums(session, period, "answer", "helpful", "not_helpful", "clarify", "not_found")
    ids = set(found["answer"]) | set(found["helpful"]) | set(found["not_helpful"])
    titles = _titles(session, ids)
    articles = []
    for article_id in ids:
        helpful, unhelpful = count(found, "helpful", article_id), count(found, "not_helpful", article_id)
        articles.append({
            "article_id": article_id, "title": titles.get(article_id, article_id),
            "served": count(found, "answer", article_id),
            "helpful_rate": ratio(helpful, helpful + unhelpful, "helpful / answers with feedback"),
        })  # fmt: skip
    articles.sort(key=lambda a: (-a["served"], a["article_id"]))
    rated = [a for a in articles if a["helpful_rate"]["denominator"] >= MIN_FEEDBACK]
    worst = sorted(rated, key=lambda a: (a["helpful_rate"]["value"], -a["helpful_rate"]["denominator"]))[:TOP]
    return {
        "answers": count(found, "answer"),
        "clarifications": count(found, "clarify"),
        "not_found": count(found, "not_found"),
        "articles": articles,
        "worst_helpful": worst,
        "from_cases": _from_cases(session, period),
    }


def _from_cases(session: Session, period: Period) -> list[dict]:
    """Articles drafted from a case, and how often the bot served each in the period since it was drafted."""
    link, d = KbArticleCase, Daily
    drafted = list(
        session.execute(
            select(link.article_id, link.case_number, link.created_at, KbArticle.title, KbArticle.status)
            .join(KbArticle, KbArticle.id == link.article_id)
            .where(link.relation == "created")
            .order_by(link.created_at.desc())
            .limit(100)
        )
    )
    ids = [row.article_id for row in drafted]
    served = session.execute(
        select(d.bucket, d.day, func.sum(d.n))
        .where(d.metric == "answer", d.bucket.in_(ids), *period.where(d.day, d.channel))
        .group_by(d.bucket, d.day)
    ).all()
    found = []
    for article_id, case_number, created_at, title, status in drafted:
        since = as_utc(created_at).date()
        reuse = sum(int(n) for bucket, day, n in served if bucket == article_id and as_date(day) >= since)
        found.append({"article_id": article_id, "title": title, "status": status, "case_number": case_number,
                      "drafted_at": as_utc(created_at).isoformat(), "served_since": reuse})  # fmt: skip
    return found


def _examples(session: Session, period: Period, cluster_id: int) -> list[str]:
    """Up to EXAMPLES different questions of a cluster asked in the period."""
    q = Question
    query = select(q.text).where(q.cluster_id == cluster_id, *period.where(q.day, q.channel)).order_by(q.activity_id)
    return list(dict.fromkeys(session.scalars(query.limit(50))))[:EXAMPLES]


def unanswered(session: Session, period: Period) -> dict:
    """The clusters of questions asked most often without an answer in the period, each with examples."""
    buckets = sums(session, period, "unanswered")["unanswered"]
    ranked = sorted(((int(b), n) for b, (n, _) in buckets.items() if b.isdigit()), key=lambda item: -item[1])[:TOP]
    clusters = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_([i for i, _ in ranked])))}
    top = [
        {"cluster": cluster_id, "label": clusters[cluster_id].label, "count": n,
         "examples": _examples(session, period, cluster_id), "draft_article_id": clusters[cluster_id].draft_article_id}
        for cluster_id, n in ranked if cluster_id in clusters
    ]  # fmt: skip
    return {"questions": sum(n for n, _ in buckets.values()), "unclustered": buckets.get("", [0])[0], "clusters": top}


class ClusterNotFound(LookupError):
    """No such cluster (the API answers 404)."""


def draft_article(session: Session, cluster_id: int, *, author: str) -> KbArticle:
    """A draft article whose questions are the cluster's questions (an editor writes its answer); the caller
    commits. A cluster drafted before gets a new draft only if the earlier one is gone."""
    cluster = session.get(Cluster, cluster_id)
    if cluster is None:
        raise ClusterNotFound(f"no unanswered-question cluster {cluster_id}")
    if cluster.draft_article_id and session.get(KbArticle, cluster.draft_article_id) is not None:
        return session.get(KbArticle, cluster.draft_article_id)
    query = select(Question.text).where(Question.cluster_id == cluster_id).order_by(Question.activity_id.desc())
    questions = list(dict.fromkeys(session.scalars(query.limit(200))))[:DRAFT_QUESTIONS]
    body = "Customers asked this and the bot had no answer. Write the answer here, then send it for review."
    content = Content(title=cluster.label[:200], body=body, tags=[], questions=questions)
    article = KnowledgeService(session).create(content, author=author, status="draft")
    cluster.draft_article_id = article.id
    return article
