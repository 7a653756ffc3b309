"""conversation language: the customer's language (detected and steadied, or chosen in the widget), and the case's

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("language", sa.String(8), nullable=True))
        table.add_column(sa.Column("language_candidate", sa.String(8), nullable=True))
        table.add_column(sa.Column("language_run", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("language_chosen", sa.String(8), nullable=True))
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("language", sa.String(8), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("cases") as table:
        table.drop_column("language")
    with op.batch_alter_table("conversations") as table:
        for column in ("language_chosen", "language_run", "language_candidate", "language"):
            table.drop_column(column)
