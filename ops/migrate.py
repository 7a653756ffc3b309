"""Bring a database to the newest schema: `python -m ops.migrate [URL]`."""

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def upgrade(url: str | None = None) -> None:
    """Run every pending migration on `url` (default: the configured DATABASE_URL)."""
    config = Config(str(ALEMBIC_INI))
    if url:
        config.cmd_opts = type("Opts", (), {"x": [f"url={url}"]})()
    command.upgrade(config, "head")


if __name__ == "__main__":
    upgrade(sys.argv[1] if len(sys.argv) > 1 else None)
