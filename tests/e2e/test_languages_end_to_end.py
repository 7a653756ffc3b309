"""A Dutch, an Italian and a Finnish customer through the real widget, bot and desks: the KB answers from the article
in their language, the case form asks in it (and the case keeps it), the widget tells their place in the queue in it,
and the handoff is offered to the agent who speaks it, not to the colleague who does not."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from cases.models import Case
from core.db import make_engine
from tests.e2e.conftest import create_staff, leave_desks, say, sign_in

pytestmark = [pytest.mark.stack, pytest.mark.browser]


@dataclass(frozen=True)
class Customer:
    """What one customer types in their language, and the words the bot must answer with."""

    language: str
    locale: str
    question: str
    answer: str  # words of the translated article's text
    title: str  # the translated article's title, linked under the answer
    report: str
    email_prompt: str
    describe_prompt: str
    problem: str
    case_opened: str
    human: str
    connecting: str
    waiting: str  # the widget's header while they wait, first in the queue


CUSTOMERS = {
    "nl": Customer(
        "nl",
        "nl-NL",
        "hoe lang duurt het voordat mijn bestelling wordt bezorgd?",
        "werkdagen",
        "Levertijden",
        "ik wil een probleem melden",
        "Wat is je e-mailadres?",
        "Beschrijf het probleem",
        "Mijn Lumora-stekker schakelt zichzelf elke nacht uit",
        "Ik heb case",
        "ik wil graag met een medewerker praten",
        "Ik verbind je door met een medewerker",
        "Wachten op een medewerker — je bent nummer 1",
    ),
    "it": Customer(
        "it",
        "it-IT",
        "quanto tempo ci vuole per la consegna del mio ordine?",
        "giorni lavorativi",
        "Tempi di consegna",
        "vorrei segnalare un problema",
        "Qual è il tuo indirizzo email?",
        "Descrivi il problema",
        "La mia presa Lumora si spegne da sola ogni notte",
        "Ho aperto la pratica",
        "vorrei parlare con un operatore",
        "Ti sto mettendo in contatto con una persona",
        "In attesa di un operatore — sei il numero 1",
    ),
    "fi": Customer(
        "fi",
        "fi-FI",
        "kuinka kauan tilaukseni toimitus kestää?",
        "arkipäivä",
        "Toimitusajat",
        "haluan ilmoittaa ongelmasta",
        "Mikä on sähköpostiosoitteesi?",
        "Kuvaile ongelma",
        "Lumora-pistorasiani sammuu itsestään joka yö",
        "Avasin sinulle tukipyynnön",
        "haluan puhua asiakaspalvelijan kanssa",
        "Yhdistän sinut",
        "Odotetaan asiakaspalvelijaa — olet jonossa sijalla 1",
    ),
}


@pytest.fixture
def desks(browser, live_app, e2e_database_url, empty_queue):
    """Four agents at their desks, all for any topic: one who speaks English only and one for each of Dutch,
    Italian and Finnish; yields {language: desk page}."""
    people = {"en": ("Eddie English", [])} | {
        code: (name, [code]) for code, name in (("nl", "Noor Dutch"), ("it", "Giulia Italian"), ("fi", "Aino Finnish"))
    }
    contexts, pages = [], {}
    for code, (name, skills) in people.items():
        context = browser.new_context(base_url=live_app)
        page = context.new_page()
        sign_in(page, create_staff(e2e_database_url, name, ["agent"], skills), "/desk")
        expect(page.locator("#link-status")).to_have_text("Live", timeout=10_000)
        contexts.append(context)
        pages[code] = page
    yield pages
    leave_desks(*pages.values())
    for context in contexts:
        context.close()


def bot_says(widget, text: str):
    """Wait for the bot's (or the system's) message with `text` in the widget; the message."""
    said = widget.locator("#swarmdesk-messages .sd-msg.sd-bot, #swarmdesk-messages .sd-msg.sd-system")
    message = said.filter(has_text=text).last
    expect(message).to_be_visible(timeout=30_000)
    return message


@pytest.mark.parametrize("code", CUSTOMERS)
def test_a_customer_is_answered_gets_a_case_and_reaches_an_agent_in_their_language(
    code, browser, live_app, e2e_database_url, desks
):
    customer = CUSTOMERS[code]
    context = browser.new_context(base_url=live_app, locale=customer.locale)
    widget = context.new_page()
    widget.goto("/")
    widget.click("#swarmdesk-launcher")

    say(widget, customer.question)
    bot_says(widget, customer.answer)
    expect(widget.locator(".sd-link", has_text=customer.title)).to_be_visible()

    say(widget, customer.report)
    bot_says(widget, customer.email_prompt)
    say(widget, f"{code}.customer@example.com")
    bot_says(widget, customer.describe_prompt)
    say(widget, customer.problem)
    number = re.search(r"CS-\d+", bot_says(widget, customer.case_opened).inner_text()).group(0)
    engine = make_engine(e2e_database_url)
    with Session(engine) as session:
        case = session.get(Case, int(number[3:]) - 10_000)
        assert (case.language, case.description) == (code, customer.problem)
    engine.dispose()

    say(widget, customer.human)
    bot_says(widget, customer.connecting)
    expect(widget.locator("#swarmdesk-state")).to_have_text(customer.waiting, timeout=15_000)
    speaker = desks[code]
    expect(speaker.locator("#offer")).to_be_visible(timeout=15_000)
    for other, page in desks.items():
        if other != code:
            expect(page.locator("#offer")).to_be_hidden()
    speaker.click("#offer-accept")
    expect(widget.locator("#swarmdesk-state")).not_to_contain_text("Waiting", timeout=15_000)
    context.close()
