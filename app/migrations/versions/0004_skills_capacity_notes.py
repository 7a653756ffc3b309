"""people skills and capacity; internal notes on conversations

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("skills", sa.String(length=400), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=False, server_default="3"))
    op.create_table(
        "conversation_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conversation_notes", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_notes_conversation_id", ["conversation_id"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("conversation_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_notes_conversation_id")
    op.drop_table("conversation_notes")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("capacity")
        batch_op.drop_column("skills")
