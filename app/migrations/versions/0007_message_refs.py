"""a client's reference on a message, so a retried send is stored once

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_ref", sa.String(length=40), nullable=True))
        batch_op.create_unique_constraint("uq_messages_conversation_client_ref", ["conversation_id", "client_ref"])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_messages_conversation_client_ref", type_="unique")
        batch_op.drop_column("client_ref")
