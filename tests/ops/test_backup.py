"""Backups: a round trip restores every conversation, case and article into an empty stack; restore refuses a
non-empty database or another schema revision unless forced; the backup is its owner's only."""

import json
import os
import stat
import uuid

import pytest
from sqlalchemy import create_engine, text

from core.settings import get_settings
from ops import backup, migrate
from tests.conftest import app_client, staff_auth


def _databases(tmp_path) -> list[tuple[str, str, callable]]:
    """Source and target database URLs: SQLite files, and fresh PostgreSQL databases when TEST_DATABASE_URL is set."""
    kinds = [(f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}", lambda: None)]
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        names = [f"swarmdesk_backup_{uuid.uuid4().hex[:8]}" for _ in range(2)]
        admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f"CREATE DATABASE {name}"))

        def drop() -> None:
            with admin.connect() as connection:
                for name in names:
                    connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()

        root = base.rsplit("/", 1)[0]
        kinds.append((f"{root}/{names[0]}", f"{root}/{names[1]}", drop))
    return kinds


def _use(monkeypatch, url: str, tmp_path) -> None:
    """Point the settings (and the cached engine) at `url`."""
    from core import db

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("INDEX_DIR", str(tmp_path / f"index-{abs(hash(url))}"))
    for cached in (db.get_engine, db.get_session_factory, get_settings):
        cached.cache_clear()


def _fill(monkeypatch) -> dict:
    """A conversation, a case and an article made through the API; their ids."""
    with app_client(monkeypatch, kb_preload="false") as client:
        opened = client.post("/api/conversations").json()
        agent = staff_auth("Ana Agent", ["agent"])
        case = {"customer_email": "rita@example.com", "subject": "Backed up", "conversation_id": None}
        number = client.post("/api/cases", json=case, headers=agent).json()["number"]
        editor = staff_auth("Eddie Editor", ["editor"])
        article = client.post("/api/kb/articles", json={"title": "Backed up article"}, headers=editor).json()["id"]
    return {"conversation": opened["conversation_id"], "case": number, "article": article}


def _read(monkeypatch, ids: dict) -> dict:
    """What the configured database holds of those ids."""
    from cases import CaseService
    from core.db import get_session_factory

    with get_session_factory()() as session:
        return {
            "conversation": session.execute(
                text("SELECT id FROM conversations WHERE id = :i"), {"i": ids["conversation"]}
            ).scalar(),
            "case": CaseService(session).get(ids["case"]).number,
            "article": session.execute(
                text("SELECT id FROM kb_articles WHERE id = :i"), {"i": ids["article"]}
            ).scalar(),
        }


def test_a_backup_restores_into_an_empty_stack_with_everything(app_env, own_queue, monkeypatch, tmp_path):
    for source, target, drop in _databases(tmp_path):
        try:
            migrate.upgrade(source)
            _use(monkeypatch, source, tmp_path)
            ids = _fill(monkeypatch)
            secrets = tmp_path / "var"
            secrets.mkdir(exist_ok=True)
            (secrets / "secret_key").write_text("s3cret")
            folder = tmp_path / f"backup-{abs(hash(source))}"
            manifest = backup.backup(get_settings(), folder, var_dir=secrets)
            assert manifest["counts"] == {"conversations": 1, "cases": 1, "kb_articles": 1}
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
            assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.rglob("*") if p.is_file())
            _use(monkeypatch, target, tmp_path)
            restored_var = tmp_path / "var-restored"
            facts = backup.restore(get_settings(), folder, var_dir=restored_var)
            assert facts["counts"] == manifest["counts"] and facts["revision"] == backup.code_revision()
            assert _read(monkeypatch, ids) == ids
            assert (restored_var / "secret_key").read_text() == "s3cret"
            with pytest.raises(backup.Refused, match="not empty"):
                backup.restore(get_settings(), folder, var_dir=restored_var)
        finally:
            drop()


def test_restore_refuses_another_schema_revision_unless_forced(app_env, monkeypatch, tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    manifest = {"revision": "0001", "database": "sqlite", "counts": {}, "created_at": "2020-01-01T00:00:00Z"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate.upgrade(empty)
    _use(monkeypatch, empty, tmp_path)
    with pytest.raises(backup.Refused, match="schema revision is 0001"):
        backup.restore(get_settings(), folder, var_dir=tmp_path / "var")


def test_a_backup_goes_only_into_a_new_or_empty_folder(app_env, monkeypatch, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    with pytest.raises(backup.Refused, match="not empty"):
        backup.backup(get_settings(), tmp_path / "full", var_dir=tmp_path)
