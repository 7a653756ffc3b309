"""Alembic environment: every package's tables, migrated on the engine Swarmdesk is configured with."""

from alembic import context

from analytics.models import Base as AnalyticsBase
from cases.models import Base as CasesBase
from core.activity import Base as ActivityBase
from core.db import get_engine, make_engine
from handoff import survey  # noqa: F401 (registers the survey answers' table)
from handoff.desk import canned  # noqa: F401 (registers the canned replies' table)
from handoff.models import Base as HandoffBase
from handoff.swarm import models as swarm_models  # noqa: F401 (registers the swarm tables)
from knowledge.models import Base as KnowledgeBase
from people.models import Base as PeopleBase

target_metadata = [
    PeopleBase.metadata,
    HandoffBase.metadata,
    CasesBase.metadata,
    KnowledgeBase.metadata,
    ActivityBase.metadata,
    AnalyticsBase.metadata,
]


def run_migrations_online() -> None:
    """Run migrations on a live connection (the URL comes from settings or `-x url=`)."""
    url = context.get_x_argument(as_dictionary=True).get("url")
    engine = make_engine(url) if url else get_engine()
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        context.run_migrations()


run_migrations_online()
