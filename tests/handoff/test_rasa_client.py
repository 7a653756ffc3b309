"""How the Rasa bridge reads REST output and protects free text."""

from handoff.rasa_client import as_rasa_text, parse_replies


def test_free_text_starting_with_a_slash_cannot_become_an_intent():
    assert as_rasa_text("/restart").strip() != "/restart"
    assert not as_rasa_text("  /greet").strip().startswith("/")
    assert as_rasa_text("hello /greet") == "hello /greet"


def test_links_only_items_attach_to_the_message_before_them():
    replies = parse_replies(
        [
            {"recipient_id": "c", "text": "See this", "buttons": [{"title": "Yes", "payload": "/affirm"}]},
            {"recipient_id": "c", "custom": {"links": [{"title": "Help", "url": "/help"}, {"bad": 1}]}},
            {"recipient_id": "c", "text": "Second"},
        ]
    )
    assert [(r.text, r.buttons, r.links) for r in replies] == [
        ("See this", [{"title": "Yes", "payload": "/affirm"}], [{"title": "Help", "url": "/help"}]),
        ("Second", [], []),
    ]
