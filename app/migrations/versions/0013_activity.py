"""activity: one row for each thing that happened to a conversation, case or swarm (analytics reads it)

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "activity",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("visitor", sa.String(64), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("article_id", sa.String(80), nullable=True),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("detail", sa.JSON(none_as_null=True), nullable=True),
    )
    op.create_index("ix_activity_kind_at", "activity", ["kind", "at"])
    op.create_index("ix_activity_conversation_id", "activity", ["conversation_id"])
    op.create_index("ix_activity_case_id", "activity", ["case_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_activity_case_id", table_name="activity")
    op.drop_index("ix_activity_conversation_id", table_name="activity")
    op.drop_index("ix_activity_kind_at", table_name="activity")
    op.drop_table("activity")
