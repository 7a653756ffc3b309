"""The Rasa server's cheaper check of action server answers still rejects what Rasa's own check rejects."""

import pytest
from jsonschema import ValidationError

from bot.server import _validate_action_result

GOOD = {
    "events": [{"event": "slot", "timestamp": None, "name": "kb_misses", "value": 0}],
    "responses": [{"text": "Hello", "buttons": []}],
}


def test_a_well_formed_answer_passes():
    assert _validate_action_result(None, GOOD) is True


@pytest.mark.parametrize(
    "answer",
    [
        {"events": [{"event": "no_such_event"}], "responses": []},
        {"events": [{"event": "slot", "value": 0}], "responses": []},  # a slot event without its name
        {"events": "not a list", "responses": []},
        {"events": [], "responses": ["not an object"]},
    ],
)
def test_a_malformed_answer_fails_the_action(answer):
    with pytest.raises(ValidationError, match="format Rasa expects"):
        _validate_action_result(None, answer)
