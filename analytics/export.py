"""CSV exports, streamed a page at a time: the figures of a period, and the activity rows behind them. A cell a
spreadsheet could run as a formula gets a leading quote; customer text goes through the PII scrubber first."""

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.clusters import scrubbed
from analytics.days import midnight
from analytics.period import Period
from core.activity import KINDS, Activity

PAGE = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EVENT_COLUMNS = (
    "id", "at", "kind", "channel", "conversation_id", "case_id", "visitor", "actor_id", "article_id", "reason", "value",
    "question", "detail",
)  # fmt: skip


def safe_cell(value) -> str:
    """The cell as text, with a leading ' when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _line(cells: Iterable) -> str:
    """One CSV line of safe cells."""
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()


def _flatten(prefix: str, node) -> Iterator[tuple]:
    """(figure, value, numerator, denominator, counts) rows of a view's figures, nested names joined by dots."""
    if isinstance(node, dict) and "counts" in node and "value" in node:
        yield prefix, node["value"], node["numerator"], node["denominator"], node["counts"]
    elif isinstance(node, dict):
        for name, child in node.items():
            yield from _flatten(f"{prefix}.{name}" if prefix else name, child)
    elif isinstance(node, list):
        for n, child in enumerate(node):
            yield from _flatten(f"{prefix}.{n}", child)
    else:
        yield prefix, node, "", "", ""


def figures_csv(views: dict[str, Callable[[], dict]]) -> Iterator[str]:
    """The figures of each view (computed when its turn comes), one figure a line; the questions scrubbed."""
    yield _line(("view", "figure", "value", "numerator", "denominator", "counts"))
    for view, compute in views.items():
        for figure, value, numerator, denominator, counts in _flatten("", compute()):
            shown = scrubbed(value) if isinstance(value, str) and view == "unanswered" else value
            yield _line((view, figure, shown, numerator, denominator, counts))


def _event_cells(row: Activity) -> tuple:
    """An activity row's cells; the question and any other text in the detail scrubbed."""
    detail = dict(row.detail or {})
    question = detail.pop("question", None)
    rest = scrubbed(json.dumps(detail, ensure_ascii=False, sort_keys=True)) if detail else ""
    return (
        row.id, row.at.isoformat(), row.kind, row.channel, row.conversation_id, row.case_id, row.visitor, row.actor_id,
        row.article_id, row.reason, row.value, scrubbed(question) if isinstance(question, str) else "", rest,
    )  # fmt: skip


def events_csv(session_factory: Callable[[], Session], period: Period) -> Iterator[str]:
    """The period's activity rows in id order, read a page at a time (never the whole table at once)."""
    yield _line(EVENT_COLUMNS)
    a, after = Activity, 0
    where = [a.kind.in_(KINDS), a.at >= midnight(period.start), a.at < midnight(period.end + timedelta(days=1))]
    if period.channel != "all":
        where.append(a.channel == period.channel)
    while True:
        with session_factory() as session:
            rows = list(session.scalars(select(a).where(*where, a.id > after).order_by(a.id).limit(PAGE)))
        for row in rows:
            yield _line(_event_cells(row))
        if len(rows) < PAGE:
            return
        after = rows[-1].id
