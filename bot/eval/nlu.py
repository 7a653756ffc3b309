"""Quality of the bot's NLU (runs in .venv-rasa): intents on a held-out split, and questions that DIET steals.

    .venv-rasa/bin/python -m bot.eval.nlu [--clinc PATH] [--paraphrases FILE]

1. Intent classification: nlu/'s English files are split 80/20 (fixed seed); a model trained on the 80 % and on
   nlu/languages/ (its encoder fine-tuned on them too) classifies the 20 %, sent as English: macro-F1 and the
   confusion matrix are printed. The other languages are judged on their own held-out sets by `bot.eval.languages`.
   `ask_question` and `nlu_fallback` are one class (both go to the KB search); `nlu_fallback` for any
   dialogue intent counts as wrong.
2. Misrouting: CLINC150 `test` queries and the demo KB's paraphrases go through the production model; a
   query is misrouted when a dialogue intent (anything but `ask_question` / `nlu_fallback`, which go to the
   KB search) claims it. CLINC's own small-talk and dialogue-act intents (greeting, yes, tell_joke, …) are
   not questions for a knowledge base and are left out of that share (printed separately).
"""

import argparse
import asyncio
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "var" / "eval" / "bot"
DEFAULT_CLINC = ROOT.parent / "shared" / "datasets" / "clinc150" / "data_full.json"
DEFAULT_PARAPHRASES = ROOT / "retrieval" / "eval" / "demo_paraphrases.jsonl"
KB_PATH = {"ask_question", "nlu_fallback"}
KB_ROUTE = "ask_question"  # ask_question and nlu_fallback take the same route: the KB search
CLINC_DIALOGUE = {
    "greeting", "goodbye", "thank_you", "yes", "no", "maybe", "cancel", "repeat", "are_you_a_bot",
    "what_is_your_name", "how_old_are_you", "who_made_you", "what_are_your_hobbies", "do_you_have_pets",
    "where_are_you_from", "who_do_you_work_for", "what_can_i_ask_you", "meaning_of_life", "tell_joke", "fun_fact",
}  # fmt: skip
SEED = 20261123
LANGUAGES_DIR = "languages"  # nlu/languages/<language>.yml: the other languages' examples, judged by bot.eval.languages


def english_split(nlu: Path):
    """The English files of `nlu` (Rasa TrainingData) split 80/20: the same 20 % as before the other languages came."""
    from rasa.shared.nlu.training_data.loading import load_data
    from rasa.shared.utils.io import list_files

    english = [load_data(name) for name in list_files(str(nlu)) if Path(name).parent == nlu]
    return english[0].merge(*english[1:]).train_test_split(train_frac=0.8, random_seed=SEED)


def training_split(nlu: Path):
    """The 80 % (Rasa TrainingData) the held-out model learns from, and the 20 % it is judged on: the English files
    of `nlu` are split (`english_split`), every example of `nlu/languages` learns."""
    from rasa.shared.nlu.training_data.loading import load_data

    train, test = english_split(nlu)
    languages = nlu / LANGUAGES_DIR
    return (train.merge(load_data(str(languages))) if languages.is_dir() else train), test


def write_training(nlu: Path, folder: Path):
    """Write the held-out model's 80 % to `folder` (the English part as nlu.yml, `nlu/languages` copied as they are);
    return the folder and the 20 %. Each language keeps its own file: Rasa's writer puts all of an intent's examples
    in one block with one block's metadata, which would give the English examples another language."""
    train, test = english_split(nlu)
    shutil.rmtree(folder, ignore_errors=True)
    write_nlu(train, folder / "nlu.yml")
    if (nlu / LANGUAGES_DIR).is_dir():
        shutil.copytree(nlu / LANGUAGES_DIR, folder / LANGUAGES_DIR)
    return folder, test


def write_nlu(training_data, path: Path) -> Path:
    """Write Rasa training data to a YAML file."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    RasaYAMLWriter().dump(str(path), training_data)
    return path


def tuned_encoder(nlu_file: Path, out: Path) -> Path:
    """An encoder fine-tuned on the examples of `nlu_file` (a file, or a folder's files) only, exported to `out` (the
    app venv's encoder.finetune)."""
    command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "encoder.finetune", "--nlu", str(nlu_file), "--out"]
    subprocess.run([*command, str(out)], cwd=ROOT, check=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    return out


def _heldout_model(config: Path, nlu: Path) -> tuple[Path, list[tuple[str, str]]]:
    """Train (once per content) an NLU model, its encoder included, on 80 % of the data; return it and the 20 %."""
    from rasa.model_training import train_nlu

    train_folder, test = write_training(nlu, OUT / "nlu-train")
    encoder = tuned_encoder(train_folder, OUT / "encoder-heldout")
    code = [*sorted((ROOT / "bot" / "nlu").glob("*.py")), *sorted((ROOT / "encoder").glob("*.py"))]
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in [config, *sorted(nlu.rglob("*.yml")), *code]))
    model = OUT / f"heldout-{digest.hexdigest()[:16]}.tar.gz"
    if not model.exists():
        heldout_config = OUT / "config-heldout.yml"
        heldout_config.write_text(config.read_text().replace("models/encoder-intents", str(encoder)))
        print("training the held-out NLU model (about a minute)…", flush=True)
        train_nlu(str(heldout_config), str(train_folder), str(OUT), fixed_model_name=model.name.removesuffix(".tar.gz"))
    return model, [(m.get("text"), m.get("intent")) for m in test.intent_examples]


async def parse(model: Path, texts: list[str], languages: list[str] | None = None) -> list[dict]:
    """What the model makes of each text (intent, intent ranking, entities), each sent as the app sends it: with
    its conversation's language as message metadata (`handoff/flows.py`); English unless `languages` says."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    agent = Agent.load(str(model))
    languages = languages or ["en"] * len(texts)
    return [
        await agent.processor.parse_message(UserMessage(text, metadata={"language": language}))
        for text, language in zip(texts, languages, strict=True)
    ]


def _classify(model: Path, texts: list[str]) -> list[str]:
    """The intent the model gives each text, sent in an English conversation."""
    return [result["intent"]["name"] for result in asyncio.run(parse(model, texts))]


def _confusion(gold: list[str], predicted: list[str]) -> str:
    """The confusion matrix as a text table (rows: true intent, columns: predicted)."""
    labels = sorted(set(gold) | set(predicted))
    counts = Counter(zip(gold, predicted, strict=True))
    short = [label[:7] for label in labels]
    lines = [f"{'':>16} " + " ".join(f"{s:>7}" for s in short)]
    for label in labels:
        lines.append(f"{label[:16]:>16} " + " ".join(f"{counts[(label, p)] or '.':>7}" for p in labels))
    return "\n".join(lines)


def bootstrap_interval(gold: list[str], predicted: list[str], rounds: int = 1000) -> tuple[float, float]:
    """The 95 % interval of macro-F1 over resamples of the examples, each intent's count kept (fixed seed)."""
    import numpy as np
    from sklearn.metrics import f1_score

    gold_rows, predicted_rows = np.array(gold), np.array(predicted)
    labels, rng = sorted(set(gold)), np.random.default_rng(SEED)
    by_intent = [np.flatnonzero(gold_rows == label) for label in labels]
    scores = []
    for _ in range(rounds):
        rows = np.concatenate([rng.choice(members, len(members)) for members in by_intent])
        scores.append(f1_score(gold_rows[rows], predicted_rows[rows], average="macro", labels=labels, zero_division=0))
    low, high = np.percentile(scores, [2.5, 97.5])
    return float(low), float(high)


def intents(config: Path, nlu: Path) -> float:
    """Print macro-F1 and the confusion matrix on the held-out split; return macro-F1."""
    from sklearn.metrics import f1_score

    model, examples = _heldout_model(config, nlu)
    texts, gold = zip(*examples, strict=True)
    predicted = [KB_ROUTE if p in KB_PATH else p for p in _classify(model, list(texts))]
    gold = [KB_ROUTE if g in KB_PATH else g for g in gold]
    macro = f1_score(gold, predicted, average="macro", labels=sorted(set(gold)), zero_division=0)
    print(f"\nIntent classification on the held-out 20 % ({len(gold)} examples, model trained on the other 80 %):")
    low, high = bootstrap_interval(list(gold), predicted)
    print(f"  macro-F1 {macro:.3f}  (target ≥ 0.95; 95 % bootstrap interval {low:.3f}–{high:.3f})\n")
    print(_confusion(list(gold), predicted))
    for text, want, got in zip(texts, gold, predicted, strict=True):
        if want != got:
            print(f"  miss: {text!r}: {want} → {got}")
    return macro


def production_model() -> Path:
    """The trained model of the current bot sources."""
    digest = subprocess.run([str(ROOT / "scripts" / "model_hash.sh")], capture_output=True, text=True, check=True)
    model = ROOT / "models" / f"swarmdesk-{digest.stdout.strip()}.tar.gz"
    if not model.exists():
        sys.exit(f"no trained model at {model}: run `make model` first")
    return model


def misrouting(clinc: Path, paraphrases: Path) -> None:
    """Print the share of questions a dialogue intent claims, per source and overall."""
    sources: dict[str, list[str]] = {}
    if clinc.exists():
        data = json.loads(clinc.read_text())
        sources["CLINC150 test (questions)"] = [t for t, i in data["test"] if i not in CLINC_DIALOGUE]
        sources["CLINC150 test (out-of-scope)"] = [t for t, _ in data["oos_test"]]
        sources["CLINC150 test (small talk, not counted)"] = [t for t, i in data["test"] if i in CLINC_DIALOGUE]
    else:
        print(f"\nCLINC150 is absent ({clinc}): misrouting measured on the demo paraphrases only.")
    if paraphrases.exists():
        sources["demo KB paraphrases"] = [
            json.loads(line)["query"] for line in paraphrases.read_text().splitlines() if line.strip()
        ]
    model = production_model()
    print(f"\nMisrouting through the production model {model.name} (a dialogue intent claims a question):")
    counted = stolen = 0
    for name, texts in sources.items():
        intents_found = _classify(model, texts)
        claimed = Counter(i for i in intents_found if i not in KB_PATH)
        share = sum(claimed.values()) / max(len(texts), 1)
        print(f"  {name:<42} {len(texts):>5} queries  {share:6.2%} claimed  {dict(claimed.most_common(4))}")
        if "not counted" not in name:
            counted, stolen = counted + len(texts), stolen + sum(claimed.values())
    print(
        f"  {'overall (questions)':<42} {counted:>5} queries  {stolen / max(counted, 1):6.2%} claimed  (target ≤ 2 %)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run both evaluations."""
    parser = argparse.ArgumentParser(prog="python -m bot.eval.nlu", description=__doc__.split("\n")[0])
    parser.add_argument("--clinc", type=Path, default=DEFAULT_CLINC, help="CLINC150 data_full.json")
    parser.add_argument("--paraphrases", type=Path, default=DEFAULT_PARAPHRASES, help="demo KB paraphrases")
    args = parser.parse_args(argv)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's per-message debug lines would print the held-out texts
    intents(ROOT / "config.yml", ROOT / "nlu")
    misrouting(args.clinc, args.paraphrases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
