"""conversation language hint: the language the widget showed when the chat opened, until a message tells the
customer's own

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("conversations") as table:
        table.add_column(sa.Column("language_hint", sa.String(8), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("conversations") as table:
        table.drop_column("language_hint")
