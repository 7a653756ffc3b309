"""The knowledge loop end to end: real Rasa, real index, a real browser for the editor.

A question the KB cannot answer → handoff → an agent accepts → swarm → an expert's answer → the owner sends it
and resolves the case → a draft appears → an editor publishes it in /kb → a new customer asking the same thing
in other words gets the bot's answer from the new article.
"""

import httpx
import pytest
from playwright.sync_api import expect

from handoff.desk.presence import mark_offline, mark_online
from tests.e2e.conftest import sign_in, staff
from tests.e2e.test_virtual_agent import Chat
from tests.knowledge.support import drafted

pytestmark = [pytest.mark.stack, pytest.mark.browser]
QUESTION = "Can I run the Lumora Hub on my sailing boat from its 12 volt battery?"
PARAPHRASE = "is it ok to power a lumora hub from a 12V boat battery when sailing"
ANSWER = "Yes: the Lumora Hub runs on 12 volt DC with the Lumora car adapter; keep it dry and ventilated."


def test_a_resolution_becomes_an_article_the_bot_answers_with(live_app, browser, e2e_database_url, empty_queue):
    agent_id, _, agent = staff(e2e_database_url, "Lou Loop", ["agent"])
    expert_id, _, expert = staff(e2e_database_url, "Xena Volt", ["expert"], ["devices"])
    _, editor_email, editor = staff(e2e_database_url, "Eda Editor", ["editor"])
    http = httpx.Client(base_url=live_app, timeout=60)
    mark_online(agent_id, name="Lou Loop", skills=[])  # until the swarm closes: an offline desk's chats are requeued
    try:
        chat = Chat(live_app)
        chat.say("Hi there")
        chat.press(chat.say("my hub says E-204, what do I do?"), "Yes")  # answered and confirmed: not the problem
        chat.say("my email is skipper@example.com by the way")
        assert "/help/" not in str(chat.say(QUESTION))  # the KB cannot answer it
        chat.say("can I talk to a real person please")
        assert chat.state == "queued"
        assert http.post(f"/api/desk/conversations/{chat.id}/accept", headers=agent).status_code == 200

        case = {"customer_email": "skipper@example.com", "subject": "Lumora Hub on 12 volt boat power"}
        number = http.post(f"/api/desk/conversations/{chat.id}/case", json=case, headers=agent).json()["number"]
        swarm = http.post("/api/swarms", json={"case_number": number, "conversation_id": chat.id}, headers=agent).json()
        http.post(f"/api/swarms/{swarm['id']}/invitations", json={"person_ids": [expert_id]}, headers=agent)
        invitation = http.get("/api/swarms/mine", headers=expert).json()["invitations"][0]
        http.post(f"/api/swarms/invitations/{invitation['id']}/accept", headers=expert)
        posted = http.post(f"/api/swarms/{swarm['id']}/messages", json={"text": ANSWER}, headers=expert).json()
        http.post(f"/api/swarms/{swarm['id']}/messages/{posted['id']}/propose", headers=expert)
        send = f"/api/swarms/{swarm['id']}/messages/{posted['id']}/send"
        sent = http.post(send, json={"text": ANSWER}, headers=agent)
        assert sent.json()["channel"] == "chat"
        closing = {"outcome": ANSWER, "resolve_case": True}
        assert http.post(f"/api/swarms/{swarm['id']}/close", json=closing, headers=agent).status_code == 200
    finally:
        mark_offline(agent_id)

    draft = drafted(http, editor, number)
    assert draft["title"] == case["subject"] and draft["questions"] == [QUESTION]

    context = browser.new_context(base_url=live_app)
    page = context.new_page()
    sign_in(page, editor_email, "/kb")
    page.locator("#articles li", has_text=case["subject"]).get_by_role("button").click()
    expect(page.locator("#title")).to_have_value(case["subject"])
    expect(page.locator("#preview")).to_contain_text("12 volt DC")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#meta")).to_contain_text("published")
    expect(page.locator("#index-error")).to_be_hidden()
    context.close()

    newcomer = Chat(live_app)
    answer = newcomer.say(PARAPHRASE)
    assert f"/help/{draft['id']}" in str(answer), answer
    assert newcomer.state == "bot"
    asking = Chat(live_app)
    assert draft["id"] not in str(asking.say("can I talk to a person"))  # the new article took no handoff request


def test_the_editor_sees_what_publishing_takes_and_must_confirm_it(live_app, browser, e2e_database_url):
    _, editor_email, editor = staff(e2e_database_url, "Ines Impact", ["editor"])
    http = httpx.Client(base_url=live_app, timeout=60)
    greedy = {"title": "Refund timing", "body": "Refunds take 5 days.", "questions": ["how long does a refund take"]}
    article = http.post("/api/kb/articles", json=greedy, headers=editor).json()
    context = browser.new_context(base_url=live_app)
    page = context.new_page()
    try:
        sign_in(page, editor_email, "/kb")
        page.locator("#articles li", has_text="Refund timing").get_by_role("button").click()
        page.get_by_role("button", name="Publish", exact=True).click()
        taken = page.locator("#impact-changes li", has_text="how long does a refund take")
        expect(taken).to_contain_text("a question of “Refunds”")
        expect(taken).to_contain_text("Today: answered by Refunds")
        expect(page.locator("#impact-warning")).to_contain_text("Refunds")
        expect(page.locator("#meta")).to_contain_text("draft")  # nothing was published without the confirmation
        page.get_by_role("button", name="Publish anyway").click()
        expect(page.locator("#meta")).to_contain_text("published")
        expect(page.locator("#history li").first).to_contain_text("confirmed taking")
    finally:
        context.close()
        current = http.get(f"/api/kb/articles/{article['id']}", headers=editor).json()
        body = {"status": "archived", "version": current["version"]}
        http.post(f"/api/kb/articles/{article['id']}/status", json=body, headers=editor)  # the other tests' KB again
