"""a returning visitor: the widget's visitor id (hashed) on each conversation, and the agent who last took it

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("visitor_hash", sa.String(length=64), nullable=True))
        table.add_column(sa.Column("agent_id", sa.Integer(), nullable=True))
    op.create_index("ix_conversations_visitor_hash", "conversations", ["visitor_hash"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_conversations_visitor_hash", table_name="conversations")
    with op.batch_alter_table("conversations") as table:
        table.drop_column("agent_id")
        table.drop_column("visitor_hash")
