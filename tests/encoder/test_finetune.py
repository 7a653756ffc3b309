"""The intent encoder's fine-tuning reads the bot's NLU files as Rasa does."""

from encoder.finetune import read_examples


def test_examples_come_with_their_intent_and_annotations_reduced_to_text(tmp_path):
    nlu = tmp_path / "nlu.yml"
    nlu.write_text(
        'version: "3.1"\n'
        "nlu:\n"
        "  - intent: check_case\n"
        "    examples: |\n"
        "      - what's up with [CS-10428](case_number)\n"
        '      - status of [CS-1]{"entity": "case_number"} please\n'
        "  - intent: nlu_fallback\n"
        "    examples: |\n"
        "      - blorp\n"
        "  - lookup: greetings\n"
        "    examples: |\n"
        "      - hola\n"
    )
    texts, labels = read_examples([nlu])
    assert texts == ["what's up with CS-10428", "status of CS-1 please", "blorp"]
    assert labels == ["check_case", "check_case", "ask_question"]  # the KB intents are one class, as in the eval
