"""Support analytics for leads and admins: the page, the figures as JSON, the conversations behind a chart point,
CSV exports, and a draft article from a cluster of unanswered questions (docs/analytics.md defines each figure)."""

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, NamedTuple

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from analytics import drill, export, figures
from analytics.articles import ClusterNotFound, draft_article, knowledge, unanswered
from analytics.period import MAX_DAYS, Channel, Period
from app.deps import Caller, LeadDep, SessionDep
from app.openapi import refusals
from app.pages import staff_page
from core.db import get_session_factory, release

router = APIRouter(prefix="/api/analytics", tags=["analytics"], responses=refusals(401, 403))
pages = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 30
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
LAST_DAY = date.max - timedelta(days=1)  # a period's rows end at the midnight after its last day, a date too


def _iso_day(value: object) -> object:
    """Only a day written YYYY-MM-DD (pydantic would also take a number of seconds since 1970)."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]


def period(
    start: Annotated[
        Day | None, Query(alias="from", description="first UTC day (default: 29 days before `to`)")
    ] = None,
    end: Annotated[Day | None, Query(alias="to", description="last UTC day, included (default: today)")] = None,
    channel: Annotated[Channel, Query(description="all, chat (the widget) or email")] = "all",
) -> Period:
    """The period asked for: `to` not before `from`, at most MAX_DAYS days (422 naming the field otherwise)."""
    end = end or datetime.now(UTC).date()
    if end > LAST_DAY:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"to: at most {LAST_DAY}")
    start = start or end - timedelta(days=min(DEFAULT_DAYS - 1, (end - date.min).days))
    if end < start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "to: must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"to: a period is at most {MAX_DAYS} days long")
    return Period(start, end, channel)


PeriodDep = Annotated[Period, Depends(period)]


class View(NamedTuple):
    """A view of figures: its route's name (the OpenAPI summary and operation id come from it), the function that
    computes its figures for a session and a period, and what it shows (the route's description)."""

    name: str
    compute: Callable[[Session, Period], dict]
    description: str


VIEWS = {  # the path under /api/analytics → its view (the figures export lists them in this order)
    "overview": View(
        "overview",
        figures.overview,
        "Headline figures: conversations, contained beside deflected, handed off, wait, CSAT/CES, swarms.",
    ),
    "containment": View(
        "containment",
        figures.containment,
        "Conversation outcomes per day and over the period; deflected beside contained.",
    ),
    "handoffs": View(
        "handoffs",
        figures.handoffs,
        "Handoffs by reason, time to a person, abandoned while waiting, handle time, hops, reopened cases.",
    ),
    "swarms": View(
        "swarms",
        figures.swarms,
        "Swarms per 100 cases, time to first expert, experts per swarm, resolution against no swarm, answers.",
    ),
    "surveys": View(
        "surveys",
        figures.surveys,
        "CSAT and CES averages, each with its response rate.",
    ),
    "knowledge": View(
        "knowledge_figures",
        knowledge,
        "Answers served and helpful rate per article, the worst rates, articles drafted from cases and their reuse.",
    ),
    "unanswered": View(
        "unanswered_questions",
        unanswered,
        "The most asked clusters of unanswered questions (scrubbed), each with its count and examples.",
    ),
}


def _dated(chosen: Period, found: dict) -> dict:
    """Figures with the period they are for."""
    return {"from": chosen.start.isoformat(), "to": chosen.end.isoformat(), "channel": chosen.channel, **found}


def _figures_of(compute: Callable[[Session, Period], dict]):
    """The route of one view: its figures for the period asked."""

    def route(lead: LeadDep, session: SessionDep, chosen: PeriodDep) -> dict:
        found = compute(session, chosen)
        release(session)
        return _dated(chosen, found)

    return route


for path, view in VIEWS.items():
    router.add_api_route(
        f"/{path}", _figures_of(view.compute), methods=["GET"], name=view.name, description=view.description
    )


@router.get("/conversations", responses=refusals(404))
def behind_a_point(
    lead: LeadDep,
    session: SessionDep,
    chosen: PeriodDep,
    metric: Annotated[drill.Metric, Query(description="the chart's metric")],
    bucket: Annotated[str, Query(max_length=200, description="the point's bucket (outcome, reason, …)")] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> dict:
    """The conversations or cases behind one chart point (a day's outcome, a reason, a cluster, …), paged."""
    try:
        found = drill.page_of(session, chosen, metric, bucket, page)
    except drill.BadBucket as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    release(session)
    return _dated(chosen, found)


@router.post("/unanswered/{cluster}/draft", status_code=status.HTTP_201_CREATED, responses=refusals(404))
def draft_from_cluster(cluster: int, lead: LeadDep, session: SessionDep) -> dict:
    """Create a draft article whose questions are the cluster's (leads and admins; editors then write and publish
    it). A cluster drafted before answers with that draft while it exists."""
    try:
        article = draft_article(session, cluster, author=lead.display_name)
    except ClusterNotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    session.commit()
    return {"article_id": article.id, "title": article.title, "status": article.status, "questions": article.questions}


def _csv(name: str, lines) -> StreamingResponse:
    """A streamed CSV download."""
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(lines, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/export/figures.csv", response_class=StreamingResponse)
def figures_export(lead: LeadDep, chosen: PeriodDep) -> StreamingResponse:
    """Every view's figures for the period as CSV (view, figure, value, numerator, denominator, counts)."""
    factory = get_session_factory()

    def view(compute):
        def run() -> dict:
            with factory() as session:
                return compute(session, chosen)

        return run

    name = f"analytics-figures-{chosen.start}-{chosen.end}-{chosen.channel}.csv"
    return _csv(name, export.figures_csv({path: view(v.compute) for path, v in VIEWS.items()}))


@router.get("/export/events.csv", response_class=StreamingResponse)
def events_export(lead: LeadDep, chosen: PeriodDep) -> StreamingResponse:
    """The period's activity rows as CSV, streamed a page at a time; customer text scrubbed."""
    name = f"analytics-events-{chosen.start}-{chosen.end}-{chosen.channel}.csv"
    return _csv(name, export.events_csv(get_session_factory(), chosen))


@pages.get("/analytics", response_class=HTMLResponse)
def analytics_page(request: Request, staff: Caller, session: SessionDep, chosen: PeriodDep) -> Response:
    """The analytics page for leads and admins (others are sent to sign in or refused), for the period asked."""
    empty = staff is not None and staff.has_any(("lead",)) and figures.overview(session, chosen)["empty"]
    release(session)
    context = {
        "start": chosen.start.isoformat(),
        "end": chosen.end.isoformat(),
        "channel": chosen.channel,
        "empty": empty,
    }
    return staff_page(request, staff, roles=("lead",), template="analytics.html", context=context)
