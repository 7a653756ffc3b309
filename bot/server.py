"""`python -m bot.server run …`: Rasa's own command line, with its check of action server answers made cheap.

Rasa 3.6 checks each answer of the action server with `jsonschema.validate`, which first checks the schema
itself against the JSON Schema meta-schema: 14 ms of CPU per custom action, more than the rest of a KB turn
in Rasa. Here the checker is built, and its schema checked, once; every answer is still validated against
Rasa's own schema and a bad one still fails the action.
"""

import functools
import sys
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction


@functools.cache
def _answer_validator():
    """Rasa's action answer schema as a ready validator (the schema checked once)."""
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """What Rasa's own check does, without re-checking the schema: True, or the first validation error raised."""
    error = best_match(_answer_validator().iter_errors(result))
    if error is None:
        return True
    error.message += ". The action server's answer does not have the format Rasa expects."
    raise error


def main() -> None:
    """Run Rasa's command line with the cheaper check."""
    from rasa.__main__ import main as rasa_main

    RemoteAction._validate_action_result = _validate_action_result
    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
