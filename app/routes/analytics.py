"""Support analytics for leads and admins: the page, the figures as JSON, the conversations behind a chart point,
CSV exports, and a draft article from a cluster of unanswered questions (docs/analytics.md defines each figure)."""

import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BeforeValidator

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
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "to: must not be before from")
    if (end - start).days + 1 > MAX_DAYS:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"to: a period is at most {MAX_DAYS} days long")
    return Period(start, end, channel)


PeriodDep = Annotated[Period, Depends(period)]


def _answer(session, compute, chosen: Period) -> dict:
    """A view's figures with the period they are for."""
    found = compute(session, chosen)
    release(session)
    return {"from": chosen.start.isoformat(), "to": chosen.end.isoformat(), "channel": chosen.channel, **found}


@router.get("/overview")
def overview(lead: LeadDep, session: SessionDep, chosen: PeriodDep) -> dict:
    """Headline figures: conversations, contained beside deflected, handed off, wait, CSAT/CES, swarms."""
    return _answer(session, figures.overview, chosen)


@router.get("/containment")
def containment(lead: LeadDep, session: SessionDep, chosen: PeriodDep) -> dict:
    """Conversation outcomes per day and over the period; deflected beside contained."""
    return _answer(session, figures.containment, chosen)


@router.get("/handoffs")
def handoffs(lead: LeadDep, session: SessionDep, chosen: PeriodDep) -> dict:
    """Handoffs by reason, time to a person, abandoned while waiting, handle time, hops, reopened cases."""
    return _answer(session, figures.handoffs, chosen)


@router.get("/swarms")
def swarms(lead: LeadDep, session: SessionDep, chosen: PeriodDep) -> dict:
    """Swarms per 100 cases, time to first expert, experts per swarm, resolution against no swarm, answers."""
    return _answer(session, figures.swarms, chosen)


@router.get("/surveys")
def surveys(lead: LeadDep, session: SessionDep, chosen: PeriodDep) -> dict:
    """CSAT and CES averages, each with its response rate."""
    return _answer(session, figures.surveys, chosen)


@router.get("/knowledge")
def knowledge_figures(lead: LeadDep, session: SessionDep, chosen: PeriodDep) -> dict:
    """Answers served and helpful rate per article, the worst rates, articles drafted from cases and their reuse."""
    return _answer(session, knowledge, chosen)


@router.get("/unanswered")
def unanswered_questions(lead: LeadDep, session: SessionDep, chosen: PeriodDep) -> dict:
    """The most asked clusters of unanswered questions (scrubbed), each with its count and examples."""
    return _answer(session, unanswered, chosen)


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
    return {"from": chosen.start.isoformat(), "to": chosen.end.isoformat(), "channel": chosen.channel, **found}


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

    views = {
        "overview": figures.overview, "containment": figures.containment, "handoffs": figures.handoffs,
        "swarms": figures.swarms, "surveys": figures.surveys, "knowledge": knowledge, "unanswered": unanswered,
    }  # fmt: skip
    name = f"analytics-figures-{chosen.start}-{chosen.end}-{chosen.channel}.csv"
    return _csv(name, export.figures_csv({key: view(compute) for key, compute in views.items()}))


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
