"""The satisfaction survey: CSAT (1–5) and CES (1–7), asked once a chat has closed (in the widget) and once a case
is resolved (a link in the email). Each question is answered once per chat or case; the answer is stored with its
activity row in one commit."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from cases import activity as case_activity
from cases.models import Case
from handoff import activity
from handoff.models import Base, Conversation, utcnow


@dataclass(frozen=True)
class Question:
    """One survey question and its scale (1 to `top`), with the words at each end."""

    text: str
    top: int
    low: str
    high: str


QUESTIONS = {
    "csat": Question("How satisfied are you with the help you got?", 5, "Very unsatisfied", "Very satisfied"),
    "ces": Question("How easy was it to get your problem solved?", 7, "Very difficult", "Very easy"),
}


class SurveyAnswer(Base):
    """A customer's answer to one question, about a chat or a case (each question once)."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        UniqueConstraint("conversation_id", "question", name="uq_survey_answers_conversation_question"),
        UniqueConstraint("case_id", "question", name="uq_survey_answers_case_question"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(String(36))
    case_id: Mapped[int | None]
    question: Mapped[str] = mapped_column(String(8))
    score: Mapped[int]
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refused(Exception):
    """The answer is refused as the survey stands (the API answers 409 with the message)."""


class OutOfRange(ValueError):
    """The score is off the question's scale (the API answers 422 naming `score`)."""


def check_score(question: str, score: int) -> None:
    """OutOfRange unless `score` is on the question's scale."""
    top = QUESTIONS[question].top
    if not 1 <= score <= top:
        raise OutOfRange(f"score: {question} is answered from 1 to {top}")


def answer_chat(session: Session, conversation: Conversation, question: str, score: int) -> None:
    """Store the customer's answer about their chat; Refused before it closed or for a question answered before."""
    check_score(question, score)
    if conversation.state != "closed":
        raise Refused("the survey opens when the conversation closes")
    _add(session, SurveyAnswer(conversation_id=conversation.id, question=question, score=score))
    activity.record(session, conversation, "survey", reason=question, value=score)
    session.commit()


def answer_case(session: Session, case: Case, question: str, score: int) -> None:
    """Store the customer's answer about their case; Refused for a question answered before."""
    check_score(question, score)
    _add(session, SurveyAnswer(case_id=case.id, question=question, score=score))
    case_activity.record(session, case, "survey", reason=question, value=score)
    session.commit()


def answered_for_case(session: Session, case: Case) -> set[str]:
    """The questions the case's customer has answered."""
    return set(session.scalars(select(SurveyAnswer.question).where(SurveyAnswer.case_id == case.id)))


def _add(session: Session, answer: SurveyAnswer) -> None:
    """Write the answer (not committed) before anything reads; Refused if the question was answered already (the
    constraint says)."""
    session.add(answer)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise Refused("already answered") from error
