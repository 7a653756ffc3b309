"""Fixtures of the activity-record and survey tests (tests/handoff/activity_support.py)."""

from tests.handoff.activity_support import agents_online, chat_app, kb_source  # noqa: F401
