"""the customer messages an agent marked as the problem

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "problem_marks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("marked_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("conversation_id", "seq", name="uq_problem_marks_conversation_seq"),
    )
    op.create_index("ix_problem_marks_conversation_id", "problem_marks", ["conversation_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_problem_marks_conversation_id", table_name="problem_marks")
    op.drop_table("problem_marks")
