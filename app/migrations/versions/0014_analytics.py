"""analytics: roll-ups of the activity record (conversations, cases, swarms, questions, clusters, per-day sums)

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "analytics_conversations",
        sa.Column("conversation_id", sa.String(36), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("visitor", sa.String(64)),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("article_id", sa.String(80)),
        sa.Column("cluster_id", sa.Integer()),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("feedback", sa.String(12)),
        sa.Column("touched", sa.Boolean(), nullable=False),
        sa.Column("handoff_reason", sa.String(32)),
        sa.Column("wait_seconds", sa.Float()),
        sa.Column("abandoned", sa.Boolean(), nullable=False),
        sa.Column("handle_seconds", sa.Float()),
        sa.Column("hops", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("deflected", sa.Boolean(), nullable=False),
        sa.Column("window_ends_at", WHEN, nullable=False),
    )
    op.create_index("ix_analytics_conversations_day", "analytics_conversations", ["day", "channel"])
    op.create_index("ix_analytics_conversations_visitor", "analytics_conversations", ["visitor", "started_at"])
    op.create_index("ix_analytics_conversations_outcome", "analytics_conversations", ["outcome", "window_ends_at"])
    op.create_table(
        "analytics_cases",
        sa.Column("case_id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("opened_at", WHEN),
        sa.Column("resolved_at", WHEN),
        sa.Column("resolved_day", sa.Date()),
        sa.Column("resolution_seconds", sa.Float()),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False),
        sa.Column("tags", sa.String(200), nullable=False),
        sa.Column("swarmed", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_analytics_cases_resolved_day", "analytics_cases", ["resolved_day", "channel"])
    op.create_table(
        "analytics_swarms",
        sa.Column("swarm_id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer()),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("first_expert_seconds", sa.Float()),
        sa.Column("experts", sa.Integer(), nullable=False),
    )
    op.create_index("ix_analytics_swarms_day", "analytics_swarms", ["day", "channel"])
    op.create_index("ix_analytics_swarms_case_id", "analytics_swarms", ["case_id"])
    op.create_table(
        "analytics_questions",
        sa.Column("activity_id", BIG_ID, primary_key=True),
        sa.Column("conversation_id", sa.String(36)),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("cluster_id", sa.Integer()),
    )
    op.create_index("ix_analytics_questions_cluster", "analytics_questions", ["cluster_id", "day"])
    op.create_index("ix_analytics_questions_day", "analytics_questions", ["day"])
    op.create_index("ix_analytics_questions_conversation_id", "analytics_questions", ["conversation_id"])
    op.create_table(
        "analytics_clusters",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("centroid", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("draft_article_id", sa.String(80)),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "analytics_daily",
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("bucket", sa.String(80), primary_key=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
    )
    op.create_table(
        "analytics_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", BIG_ID, nullable=False),
        sa.Column("at", WHEN, nullable=False),
    )


def downgrade() -> None:
    """Revert this revision."""
    for table in (
        "analytics_state",
        "analytics_daily",
        "analytics_clusters",
        "analytics_questions",
        "analytics_swarms",
        "analytics_cases",
        "analytics_conversations",
    ):
        op.drop_table(table)
