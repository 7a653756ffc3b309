"""The catalogs: complete for every served language, current with the sources, and applied to filled-in texts."""

import re

import pytest
from babel.messages.pofile import read_po

from language.catalog import LOCALES, catalog, translate
from language.detection import SERVED
from language.extract import POT, all_texts

PLACEHOLDERS = re.compile(r"\{(\w+)\}")


def test_the_template_holds_every_text_the_sources_say_now():
    with POT.open("rb") as pot:
        listed = [m.id for m in read_po(pot) if m.id]
    assert listed == all_texts(), "customer-facing texts changed: run `python -m language.extract`, then translate"


@pytest.mark.parametrize("language", [code for code in SERVED if code != "en"])
def test_every_language_translates_every_text_keeping_its_placeholders(language):
    with (LOCALES / f"{language}.po").open("rb") as po:
        translated = {m.id: m.string for m in read_po(po) if m.id}
    missing = [text for text in all_texts() if not translated.get(text)]
    assert not missing, f"{language}.po lacks {missing}"
    for text, translation in translated.items():
        assert sorted(PLACEHOLDERS.findall(text)) == sorted(PLACEHOLDERS.findall(translation)), (language, text)


def test_a_filled_in_text_is_translated_with_its_values_and_the_values_that_are_entries_too():
    view = "Case CS-10500 “Hub offline”: We are working on it.\nLatest update: new hub sent\nResolution: Fixed"
    assert translate(view, "it") == (
        "Pratica CS-10500 “Hub offline”: Ci stiamo lavorando.\nUltimo aggiornamento: new hub sent\nSoluzione: Fixed"
    )
    assert translate("I've opened case CS-10428 for you and emailed you a confirmation.", "fi") == (
        "Avasin sinulle tukipyynnön CS-10428 ja lähetin vahvistuksen sähköpostiisi."
    )


def test_what_the_catalog_does_not_know_stays_as_written_and_english_is_untouched():
    assert translate("Hold the button for 5 seconds.", "nl") == "Hold the button for 5 seconds."
    assert translate("Yes", "en") == "Yes" and translate("Yes", "de") == "Yes" and translate("Yes", "nl") == "Ja"
    assert catalog("../etc") is None
