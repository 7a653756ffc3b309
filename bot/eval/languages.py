"""Dialogue-intent routing per language (runs in .venv-rasa): the held-out intent sets through the production model.

    .venv-rasa/bin/python -m bot.eval.languages

Each `bot/eval/intents_<language>.jsonl` (en, nl, it, fi; `{"text", "intent", "language"}`) was written before the
bot learned the language and is never trained on nor used to choose anything: it is for this measurement only.
Per language it prints the messages, the intent accuracy (the classifier's own top intent, before the fallback
threshold, is the labelled one) and the misrouting: a message is misrouted when its predicted route differs from
the labelled one, where `ask_question` and `nlu_fallback` are one route (the KB search) and every other intent is
its own route. The target: each language's misrouting at most twice English's. The route pairs behind the
misrouting (labelled → predicted) are counted; the messages themselves are not printed.
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
LANGUAGES = ("en", "nl", "it", "fi")  # English first: the others are measured against it
TARGET_FACTOR = 2.0  # a language's misrouting may be at most this many times English's


def route(intent: str) -> str:
    """The route an intent takes: the KB search for `ask_question` and `nlu_fallback`, else the intent itself."""
    return KB_ROUTE if intent in KB_PATH else intent


def read_set(language: str) -> list[dict]:
    """The held-out messages of one language."""
    lines = (SETS / f"intents_{language}.jsonl").read_text().splitlines()
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


def main(argv: list[str] | None = None) -> int:
    """Print accuracy and misrouting per language, English's beside each, and whether the target is met."""
    parser = argparse.ArgumentParser(prog="python -m bot.eval.languages", description=__doc__.split("\n")[0])
    parser.parse_args(argv)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's per-message debug lines would print the held-out texts
    model = production_model()
    sets = {language: read_set(language) for language in LANGUAGES}
    texts = [item["text"] for language in LANGUAGES for item in sets[language]]
    results = iter(asyncio.run(parse(model, texts)))
    scores = {lang: score([i["intent"] for i in items], [next(results) for _ in items]) for lang, items in sets.items()}
    print(f"\nDialogue intents per language through the production model {model.name} (held-out sets):")
    report(scores, {language: len(items) for language, items in sets.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
