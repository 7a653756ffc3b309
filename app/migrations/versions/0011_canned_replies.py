"""canned replies: the team's (for everyone or one skill) and each agent's own; the desk's fixed four kept as the
team's, for everyone

Revision ID: 0011
Revises: 0010
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SEEDED = (  # the replies the desk offered before they could be managed
    ("Thanks for waiting", "Thanks for waiting — I'm looking into this now."),
    ("Order number", "Could you tell me your order number?"),
    ("Case opened", "I've opened a case for this; you'll get updates by email."),
    ("Anything else", "Is there anything else I can help with?"),
)


def upgrade() -> None:
    """Apply this revision."""
    table = op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("skill", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_canned_replies_owner_id", "canned_replies", ["owner_id"])
    now = datetime.now(UTC)
    op.bulk_insert(table, [{"title": t, "text": x, "created_at": now, "updated_at": now} for t, x in SEEDED])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_canned_replies_owner_id", table_name="canned_replies")
    op.drop_table("canned_replies")
