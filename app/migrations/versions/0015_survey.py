"""survey: the customers' CSAT and CES answers about a chat or a case, each question answered once

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "survey_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("question", sa.String(8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("conversation_id", "question", name="uq_survey_answers_conversation_question"),
        sa.UniqueConstraint("case_id", "question", name="uq_survey_answers_case_question"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("survey_answers")
