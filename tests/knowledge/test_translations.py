"""Translations as records: one per article and language, missing / outdated / current against the article's
version, and `kb/translations/<locale>/` files imported once."""

import uuid

import pytest

from core.db import get_session_factory
from knowledge import translations
from knowledge.files import import_translations
from knowledge.service import Content, Invalid, KnowledgeService
from knowledge.translations import Translated
from tests.retrieval.sample_kb import write_article


@pytest.fixture
def service(app_env):
    """A knowledge service over the test database."""
    with get_session_factory()() as session:
        yield KnowledgeService(session)
        session.rollback()


def article(service: KnowledgeService):
    """A new published article."""
    content = Content(f"Refunds {uuid.uuid4().hex[:6]}", "Refunds take 5 business days.", ["billing"], [])
    return service.create(content, author="Eddie", status="published")


def test_a_translation_is_missing_then_current_then_outdated_when_the_article_changes(service):
    refunds = article(service)
    assert translations.status(refunds, translations.of(refunds, "nl")) == "missing"
    dutch = Translated("Terugbetalingen", "Binnen 5 werkdagen.", ["geld terug", "geld terug", " "])
    saved = translations.save(service.session, refunds, "nl", dutch, author="Ineke")
    assert (saved.source_version, saved.questions, saved.updated_by) == (1, ["geld terug"], "Ineke")
    assert translations.status(refunds, saved) == "current"
    change = Content(refunds.title, "Refunds take up to 5 business days.", ["billing"], [])
    service.save(refunds.id, change, expected_version=1, author="Eddie")
    assert translations.status(refunds, translations.of(refunds, "nl")) == "outdated"
    again = translations.save(service.session, refunds, "nl", dutch, author="Ineke")
    assert again.id == saved.id and translations.status(refunds, again) == "current"
    assert [t.locale for t in refunds.translations] == ["nl"]


def test_a_translation_needs_a_title_a_body_and_a_language_we_translate_into(service):
    refunds = article(service)
    with pytest.raises(Invalid, match="body"):
        translations.save(service.session, refunds, "nl", Translated("Terugbetalingen", " ", []), author="Ineke")
    with pytest.raises(ValueError, match="locale"):
        translations.save(service.session, refunds, "en", Translated("Refunds", "Body.", []), author="Ineke")


def test_translation_files_are_imported_once_and_only_for_articles_we_hold(service, tmp_path):
    refunds = article(service)
    folder = tmp_path / "translations" / "it"
    folder.mkdir(parents=True)
    write_article(folder, refunds.id, "Rimborsi", ["billing"], ["rivoglio i soldi"], "Entro 5 giorni lavorativi.")
    write_article(folder, "no-such-article", "Altro", [], [], "Niente.")
    assert import_translations(service, tmp_path) == (1, [])
    imported = translations.of(refunds, "it")
    assert (imported.title, imported.questions, imported.source_version) == ("Rimborsi", ["rivoglio i soldi"], 1)
    assert import_translations(service, tmp_path) == (0, [])
