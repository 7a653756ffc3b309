"""kb translations: an article in Dutch, Italian or Finnish, with the article's version it translates

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "kb_translations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("article_id", sa.String(80), nullable=False, index=True),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("source_version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(120), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["kb_articles.id"], ondelete="CASCADE"),
        sa.UniqueConstraint("article_id", "locale", name="uq_kb_translations_article_locale"),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("kb_translations")
