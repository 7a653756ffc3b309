"""Dialogue-intent routing per language (runs in .venv-rasa): the held-out intent sets through the production model.

    .venv-rasa/bin/python -m bot.eval.languages          # the held-out sets: the yardstick
    .venv-rasa/bin/python -m bot.eval.languages --dev    # the development sets, misrouted messages shown
    .venv-rasa/bin/python -m bot.eval.languages --dev --spoken en   # as if no conversation's language were known

Each `bot/eval/intents_<language>.jsonl` (en, nl, it, fi; `{"text", "intent", "language"}`) was written before the
bot learned the language and is never trained on nor used to choose anything: it is for this measurement only.
Each message reaches the model as the app sends it, with its conversation's language as message metadata: the set's
language (`--spoken` sends another: the app says "en" until a conversation's language is detected or chosen).
Per language it prints the messages, the intent accuracy (the classifier's own top intent, before the fallback
threshold, is the labelled one) and the misrouting: a message is misrouted when its predicted route differs from
the labelled one, where `ask_question` and `nlu_fallback` are one route (the KB search) and every other intent is
its own route. The target: each language's misrouting at most twice English's. The route pairs behind the
misrouting (labelled → predicted) are counted; the messages themselves are not printed.

`bot/eval/dev/intents_<language>.jsonl` (nl, it, fi) are development sets, written apart from the training
examples and never trained on either: they are where misrouting is studied and training data or settings chosen,
so `--dev` prints each misrouted message. Nothing is ever chosen by looking at the held-out sets.
"""

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from pathlib import Path

from bot.eval.nlu import KB_PATH, KB_ROUTE, parse, production_model

SETS = Path(__file__).resolve().parent
DEV_SETS = SETS / "dev"
LANGUAGES = ("en", "nl", "it", "fi")  # English first: the others are measured against it
TARGET_FACTOR = 2.0  # a language's misrouting may be at most this many times English's


def route(intent: str) -> str:
    """The route an intent takes: the KB search for `ask_question` and `nlu_fallback`, else the intent itself."""
    return KB_ROUTE if intent in KB_PATH else intent


def read_set(language: str, folder: Path = SETS) -> list[dict]:
    """The labelled messages of one language: held out (SETS) or for development (DEV_SETS)."""
    lines = (folder / f"intents_{language}.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def score(labels: list[str], results: list[dict]) -> tuple[float, float, Counter]:
    """Intent accuracy, misrouting, and the (labelled → predicted) route pairs of the misrouted messages."""
    understood = misrouted = 0
    pairs: Counter = Counter()
    for label, result in zip(labels, results, strict=True):
        top = next((r["name"] for r in result.get("intent_ranking", []) if r["name"] != "nlu_fallback"), None)
        understood += top == label
        if route(result["intent"]["name"]) != route(label):
            misrouted += 1
            pairs[(route(label), route(result["intent"]["name"]))] += 1
    return understood / len(labels), misrouted / len(labels), pairs


def report(scores: dict[str, tuple[float, float, Counter]], sizes: dict[str, int]) -> None:
    """Print one line per language with English's figures beside it, and the misrouted route pairs."""
    english_accuracy, english_misrouting, _ = scores["en"]
    limit = TARGET_FACTOR * english_misrouting
    print(f"  {'language':<9}{'messages':>9}{'accuracy':>10}{'(en)':>8}{'misrouted':>11}{'(en)':>8}   target")
    for language, (accuracy, misrouting, pairs) in scores.items():
        verdict = "—" if language == "en" else ("met" if misrouting <= limit else "MISSED")
        print(
            f"  {language:<9}{sizes[language]:>9}{accuracy:>10.1%}{english_accuracy:>8.1%}"
            f"{misrouting:>11.1%}{english_misrouting:>8.1%}   {verdict}"
        )
        if pairs:
            routes = ", ".join(f"{labelled} → {predicted} ×{n}" for (labelled, predicted), n in pairs.most_common())
            print(f"           misrouted (labelled → predicted): {routes}")
    print(f"  target: each language's misrouting ≤ {TARGET_FACTOR:g}× English's ({limit:.1%})")


def show_misrouted(items: list[dict], results: list[dict]) -> None:
    """Print each misrouted development message with its labelled and predicted routes."""
    for item, result in zip(items, results, strict=True):
        predicted = route(result["intent"]["name"])
        if predicted != route(item["intent"]):
            print(f"           {route(item['intent'])} → {predicted}: {item['text']}")


def main(argv: list[str] | None = None) -> int:
    """Print accuracy and misrouting per language, English's beside each, and whether the target is met."""
    parser = argparse.ArgumentParser(prog="python -m bot.eval.languages", description=__doc__.split("\n")[0])
    parser.add_argument("--dev", action="store_true", help="the development sets, each misrouted message shown")
    parser.add_argument("--spoken", metavar="LANGUAGE", help="the conversation language sent with every message")
    args = parser.parse_args(argv)
    dev = args.dev
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's per-message debug lines would print the held-out texts
    model = production_model()
    languages = [path.stem.removeprefix("intents_") for path in sorted(DEV_SETS.glob("*.jsonl"))] if dev else LANGUAGES
    sets = {language: read_set(language, DEV_SETS if dev else SETS) for language in languages}
    texts = [item["text"] for items in sets.values() for item in items]
    spoken = [args.spoken or language for language, items in sets.items() for _ in items]
    results = iter(asyncio.run(parse(model, texts, spoken)))
    answers = {language: [next(results) for _ in items] for language, items in sets.items()}
    sent = f", every message in a conversation speaking {args.spoken!r}" if args.spoken else ""
    if dev:
        print(f"\nDialogue intents per language through the production model {model.name} (development sets{sent}):")
        for language, items in sets.items():
            accuracy, misrouting, _ = score([item["intent"] for item in items], answers[language])
            print(f"  {language}: {len(items)} messages, accuracy {accuracy:.1%}, misrouted {misrouting:.1%}")
            show_misrouted(items, answers[language])
        return 0
    scores = {language: score([i["intent"] for i in items], answers[language]) for language, items in sets.items()}
    print(f"\nDialogue intents per language through the production model {model.name} (held-out sets{sent}):")
    report(scores, {language: len(items) for language, items in sets.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
