"""guest sharing: the customer-chat messages a swarm's owner shared with its guests, and a swarm's "reveal all"

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("swarms") as table:
        table.add_column(sa.Column("reveal_all", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "swarm_shared_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("swarm_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("shared_by", sa.Integer(), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["swarm_id"], ["swarms.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("swarm_id", "message_id", name="uq_swarm_shared_messages_swarm_message"),
    )
    op.create_index("ix_swarm_shared_messages_swarm_id", "swarm_shared_messages", ["swarm_id"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_swarm_shared_messages_swarm_id", table_name="swarm_shared_messages")
    op.drop_table("swarm_shared_messages")
    with op.batch_alter_table("swarms") as table:
        table.drop_column("reveal_all")
