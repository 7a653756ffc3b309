"""The satisfaction survey: the widget's answer about a closed chat (customer token), and the page a resolved case's
email links to (a signed token; plain forms, so it works without JavaScript), in the case's language."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field

from app.deps import CustomerConversation, SessionDep
from app.openapi import refusals
from app.pages import browser_language, in_language, templates
from cases.models import Case
from cases.survey_link import case_of
from core.inputs import RequestBody
from handoff import survey

api = APIRouter(prefix="/api/conversations", tags=["customer"], responses=refusals(401, 404, 409))
pages = APIRouter(include_in_schema=False)
QuestionName = Literal["csat", "ces"]


class SurveyAnswerBody(RequestBody):
    """One survey answer: CSAT is scored 1–5 ("How satisfied…"), CES 1–7 ("How easy…")."""

    question: QuestionName
    score: Annotated[int, Field(ge=1, le=7, description="1 to 5 for csat, 1 to 7 for ces")]


@api.post("/{conversation_id}/survey", status_code=status.HTTP_204_NO_CONTENT)
def answer_chat_survey(body: SurveyAnswerBody, conversation: CustomerConversation, session: SessionDep) -> None:
    """Answer one question about the chat once it has closed (409 before, and for a question answered already)."""
    try:
        survey.answer_chat(session, conversation, body.question, body.score)
    except survey.OutOfRange as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    except survey.Refused as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from error


def _case(session: SessionDep, token: str) -> Case | None:
    """The case a survey token signs, if it is genuine and the case exists."""
    case_id = case_of(token)
    return session.get(Case, case_id) if case_id is not None else None


def _page(request: Request, token: str, case: Case | None, code: int = status.HTTP_200_OK, **context) -> HTMLResponse:
    """The survey page in one of its states (a question, thanks, already answered, not found), in the case's language
    (without a case, the browser's)."""
    language = case.language if case is not None else browser_language(request)
    context = {"token": token, "questions": survey.QUESTIONS} | in_language(language) | context
    return templates.TemplateResponse(request, "survey.html", context, status_code=code)


@pages.get("/survey/{token}", response_class=HTMLResponse)
def survey_page(
    request: Request, token: str, session: SessionDep, after: Annotated[QuestionName | None, Query()] = None
) -> HTMLResponse:
    """The next question the case's customer has not answered (nor passed with "No thanks"), or thanks."""
    case = _case(session, token)
    if case is None:
        return _page(request, token, None, status.HTTP_404_NOT_FOUND, state="unknown")
    order = list(survey.QUESTIONS)
    passed = set(order[: order.index(after) + 1]) if after else set()
    left = [name for name in order if name not in survey.answered_for_case(session, case) | passed]
    if not left:
        return _page(request, token, case, state="thanks")
    return _page(request, token, case, state="ask", question=left[0], number=case.number)


@pages.post("/survey/{token}", response_class=HTMLResponse)
def answer_case_survey(
    request: Request,
    token: str,
    session: SessionDep,
    question: Annotated[QuestionName, Form()],
    score: Annotated[int, Form(ge=1, le=7)],
) -> Response:
    """Store one answer, then show the next question; a question answered before shows "already answered"."""
    case = _case(session, token)
    if case is None:
        return _page(request, token, None, status.HTTP_404_NOT_FOUND, state="unknown")
    try:
        survey.answer_case(session, case, question, score)
    except survey.OutOfRange as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    except survey.Refused:
        return _page(request, token, case, status.HTTP_409_CONFLICT, state="already")
    return RedirectResponse(f"/survey/{token}?after={question}", status_code=status.HTTP_303_SEE_OTHER)
