"""Settings that decide how the database and the analytics refresh behave: what a team sets is what it gets."""

import pytest
from pydantic import ValidationError
from sqlalchemy import text

from core.db import make_engine
from core.settings import Settings, get_settings

SYNCHRONOUS = {1: "NORMAL", 2: "FULL"}  # SQLite's numbers for the modes


@pytest.mark.parametrize("mode", ["NORMAL", "FULL"])
def test_a_sqlite_database_syncs_to_disk_as_sqlite_synchronous_says(mode, tmp_path, monkeypatch):
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", mode)
    get_settings.cache_clear()
    engine = make_engine(f"sqlite:///{tmp_path / 'sync.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert SYNCHRONOUS[connection.execute(text("PRAGMA synchronous")).scalar()] == mode
    finally:
        engine.dispose()
        get_settings.cache_clear()


def test_an_unknown_sqlite_synchronous_mode_is_refused_by_name():
    with pytest.raises(ValidationError, match="sqlite_synchronous"):
        Settings(sqlite_synchronous="OFF")


def test_an_analytics_refresh_slower_than_three_minutes_is_refused_by_name():
    assert Settings(analytics_refresh_seconds=180).analytics_refresh_seconds == 180
    with pytest.raises(ValidationError, match="analytics_refresh_seconds"):
        Settings(analytics_refresh_seconds=300)
