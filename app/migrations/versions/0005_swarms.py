"""swarms: rooms, members, invitations, messages, guest links

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHEN = sa.DateTime(timezone=True)


def _swarm_fk() -> sa.ForeignKeyConstraint:
    """Rows of a swarm go with it."""
    return sa.ForeignKeyConstraint(["swarm_id"], ["swarms.id"], ondelete="CASCADE")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "swarms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_number", sa.String(20), nullable=False, index=True),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("owner_name", sa.String(120), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("needed_skills", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("first_expert_at", WHEN, nullable=True),
        sa.Column("closed_at", WHEN, nullable=True),
    )
    op.create_table(
        "swarm_members",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("swarm_id", sa.Integer(), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("guest_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("joined_at", WHEN, nullable=False),
        sa.Column("left_at", WHEN, nullable=True),
        _swarm_fk(),
    )
    op.create_table(
        "swarm_invitations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("swarm_id", sa.Integer(), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), nullable=False, index=True),
        sa.Column("person_name", sa.String(120), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("answered_at", WHEN, nullable=True),
        _swarm_fk(),
    )
    op.create_table(
        "swarm_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("swarm_id", sa.Integer(), nullable=False, index=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(120), nullable=False),
        sa.Column("author_role", sa.String(8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("mentions", sa.JSON(), nullable=False),
        sa.Column("proposed", sa.Boolean(), nullable=False),
        sa.Column("sent_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.UniqueConstraint("swarm_id", "seq", name="uq_swarm_messages_swarm_seq"),
        _swarm_fk(),
    )
    op.create_table(
        "swarm_guest_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("swarm_id", sa.Integer(), nullable=False, index=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        _swarm_fk(),
    )


def downgrade() -> None:
    """Revert this revision."""
    for table in ("swarm_guest_links", "swarm_messages", "swarm_invitations", "swarm_members", "swarms"):
        op.drop_table(table)
