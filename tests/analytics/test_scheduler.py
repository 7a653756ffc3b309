"""The scheduler's analytics round: a row written now shows in the figures after one round."""

from sqlalchemy import select

from analytics.models import ConversationFacts
from app.scheduler import analytics_round, run_due_jobs
from core.activity import record
from core.db import get_session_factory
from core.settings import get_settings


class ClosedIndex:
    """A knowledge base whose index is not open yet (questions wait for a later round to be clustered)."""

    def status(self) -> str:
        """Still loading."""
        return "loading"


def test_one_round_picks_up_a_row_written_now(app_env, own_queue):
    with get_session_factory()() as session:
        record(session, "answer", conversation_id="round-check-0001", visitor="round-visitor", article_id="pair-hub")
        record(session, "helpful", conversation_id="round-check-0001", visitor="round-visitor", article_id="pair-hub")
        record(
            session, "not_found", conversation_id="round-check-0002", detail={"question": "is there a student discount"}
        )
        session.commit()

    assert run_due_jobs(get_settings(), analytics_round(ClosedIndex()))

    with get_session_factory()() as session:
        facts = session.get(ConversationFacts, "round-check-0001")
        assert (facts.outcome, facts.article_id) == ("contained", "pair-hub")
        unanswered = session.scalars(
            select(ConversationFacts).where(ConversationFacts.conversation_id == "round-check-0002")
        )
        assert unanswered.one().outcome == "pending"  # nothing answered, its window still open
