"""Backups: the database (SQLite's backup API or pg_dump, consistent while the stack runs), the search index and
the secrets, into a folder only its owner can read; and their restore into an empty stack."""

import json
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from core.settings import VAR_DIR, Settings
from ops.migrate import ALEMBIC_INI
from retrieval.store import IndexStore

SECRETS = ("secret_key", "bot_service_token")
COUNTED = ("conversations", "cases", "kb_articles")
MANIFEST = "manifest.json"


class Refused(Exception):
    """A backup or restore that would lose or mix data; the message says why and what to do."""


def _sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, None for another database."""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def _libpq(url: str) -> str:
    """A PostgreSQL URL as pg_dump and pg_restore take it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _facts(url: str) -> dict:
    """The database's schema revision and how many conversations, cases and articles it holds."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            revision = (
                connection.scalar(text("SELECT version_num FROM alembic_version"))
                if "alembic_version" in tables
                else None
            )
            counts = {t: connection.scalar(text(f"SELECT count(*) FROM {t}")) if t in tables else 0 for t in COUNTED}
    finally:
        engine.dispose()
    return {"revision": revision, "counts": counts}


def code_revision() -> str:
    """The newest schema revision this code knows."""
    return ScriptDirectory.from_config(Config(str(ALEMBIC_INI))).get_current_head()


def backup(settings: Settings, folder: Path, var_dir: Path = VAR_DIR) -> dict:
    """Write a backup of the database, index and secrets (from `var_dir`) into `folder` (new or empty); its
    manifest."""
    if folder.exists() and any(folder.iterdir()):
        raise Refused(f"{folder} is not empty: back up into a new folder")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    facts = _facts(settings.database_url)
    source = _sqlite_path(settings.database_url)
    if source is not None:
        with sqlite3.connect(source) as live, sqlite3.connect(folder / "database.sqlite") as copy:
            live.backup(copy)  # a consistent snapshot while others write
    else:
        target = folder / "database.pgdump"
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(settings.database_url)], check=True
        )
    if settings.index_dir.is_dir():
        with IndexStore(settings.index_dir).writing():  # no re-index changes it while it is copied
            shutil.copytree(
                settings.index_dir, folder / "index", ignore=shutil.ignore_patterns(".write.lock", ".trial-*")
            )
    (folder / "secrets").mkdir(mode=0o700)
    for name in SECRETS:
        if (var_dir / name).exists():
            shutil.copyfile(var_dir / name, folder / "secrets" / name)
            (folder / "secrets" / name).chmod(0o600)
    manifest = facts | {
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "database": "sqlite" if source else "postgresql",
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    for path in folder.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    return manifest


def restore(settings: Settings, folder: Path, *, force: bool = False, var_dir: Path = VAR_DIR) -> dict:
    """Restore a backup into the configured database and index; Refused for a non-empty database or another schema
    revision unless `force`."""
    manifest_file = folder / MANIFEST
    if not manifest_file.exists():
        raise Refused(f"{folder} holds no backup ({MANIFEST} is missing)")
    manifest = json.loads(manifest_file.read_text())
    here = _facts(settings.database_url)
    if any(here["counts"].values()) and not force:
        raise Refused(
            f"the database is not empty ({here['counts']}): restore into an empty one, or add --force to replace it"
        )
    if manifest["revision"] != code_revision() and not force:
        raise Refused(
            f"the backup's schema revision is {manifest['revision']}, this code's is {code_revision()}: restore it "
            "with the code of its time, or add --force"
        )
    target = _sqlite_path(settings.database_url)
    if (manifest["database"] == "sqlite") != (target is not None):
        raise Refused(f"the backup is of a {manifest['database']} database; DATABASE_URL names another kind")
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(folder / "database.sqlite") as copy, sqlite3.connect(target) as live:
            copy.backup(live)
    else:
        argv = ["pg_restore", "--clean", "--if-exists", "--no-owner", f"--dbname={_libpq(settings.database_url)}"]
        subprocess.run([*argv, str(folder / "database.pgdump")], check=True)
    if (folder / "index").is_dir():
        shutil.rmtree(settings.index_dir, ignore_errors=True)
        shutil.copytree(folder / "index", settings.index_dir)
    for name in SECRETS:
        if (folder / "secrets" / name).exists():
            var_dir.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / "secrets" / name, var_dir / name)
            (var_dir / name).chmod(0o600)
    return _facts(settings.database_url)
