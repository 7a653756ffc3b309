"""Customer emails in the case's language: our words translated, the customer's and agents' own words as written."""

import pytest

from cases import CaseCreate, CaseUpdate
from tests.cases.conftest import AGENT

SUBJECT = "Hub blinkt rood na update"  # the customer's words, never translated
RESOLUTION = "Replaced the hub; the new one ships today."  # the agent's words, never translated
UPDATE = "We are working on it."  # an agent's words that happen to be a catalog entry: still as written

# language: words of the created, public update and resolved emails, and of the footer, a customer would read
WORDS = {
    "nl": ("We hebben je verzoek ontvangen", "Er is nieuws over je case", "je case opgelost", "Klantenservice"),
    "it": ("Abbiamo ricevuto la tua richiesta", "Ci sono novità sulla tua pratica", "Abbiamo risolto", "Assistenza"),
    "fi": ("Olemme saaneet pyyntösi", "Tukipyynnöstäsi on uutta tietoa", "Olemme ratkaisseet", "asiakaspalvelu"),
}
ENGLISH = ("Hello", "Thanks", "Resolved", "Update on", "How did we do", "Quote it", "Support", "by email")


def _emails(service, language: str | None) -> list:
    """Open, update and resolve a case in `language`; its created, public update and resolved emails."""
    data = CaseCreate(customer_email="mia@example.com", customer_name="Mia", subject=SUBJECT, reason="no_agent")
    case = service.create(data, AGENT, language=language)
    service.commit()
    service.add_note(case.number, UPDATE, AGENT, public=True)
    service.update(case.number, CaseUpdate(version=case.version, status="resolved", resolution=RESOLUTION), AGENT)
    service.commit()
    by_kind = {email.kind: email for email in service.emails(case)}
    return [by_kind["created"], by_kind["public_update"], by_kind["resolved"]]


@pytest.mark.parametrize("language", ["nl", "it", "fi"])
def test_every_email_about_a_case_is_in_its_language_with_the_customers_words_as_written(service, language):
    service.company = "Lumora"
    created, update, resolved = _emails(service, language)
    opened, news, done, signed = WORDS[language]
    assert opened in created.subject and SUBJECT in created.subject and f"“{SUBJECT}”" in created.body
    assert news in update.body and UPDATE in update.body
    assert done in resolved.body and RESOLUTION in resolved.body and "/survey/" in resolved.body
    for email in (created, update, resolved):
        assert email.body.startswith({"nl": "Hallo Mia,", "it": "Ciao Mia,", "fi": "Hei Mia,"}[language])
        assert signed in email.body and "Lumora" in email.body.splitlines()[-1]
        assert not [word for word in ENGLISH if word in email.subject + email.body], email.body


@pytest.mark.parametrize("language", ["en", "de", None])
def test_english_an_unserved_and_an_unknown_language_get_english(service, language):
    service.company = "Lumora"
    created, update, resolved = _emails(service, language)
    assert created.subject.endswith(f"We have your request: {SUBJECT}") and created.body.startswith("Hello Mia,")
    assert "Nobody could take your chat just now, so we will answer by email." in created.body
    assert "There is news about your case:" in update.body
    assert "How did we do? Two quick questions:" in resolved.body
    assert resolved.body.endswith("Quote it whenever you contact us.\n— Lumora Support")
