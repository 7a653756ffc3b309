"""Choose the intent classifier's settings by cross-validation on the training 80 % only (runs in .venv-rasa).

    .venv-rasa/bin/python -m bot.eval.cv [--folds 5] [--clinc PATH]

The held-out 20 % of `bot.eval.nlu` (same split, same seed) is never read. As in production, each fold's
classifier learns on embeddings from an encoder fine-tuned on that fold's training part only
(`encoder/finetune.py`, in the app venv; a minute or two per fold, cached by content). For each C,
character n-gram weight and lexicon weight (the lookup tables of nlu/lexicon.yml), stratified k-fold
out-of-fold probabilities give macro-F1 for each pair of FallbackClassifier thresholds (`ask_question` and
`nlu_fallback` are one class, as in `bot.eval.nlu`). A model fitted on the whole 80 % then classifies
CLINC150's `val` questions and out-of-scope queries (never `test`, which `bot.eval.nlu` reports): the share
a dialogue intent claims estimates misrouting. The best setting is the highest macro-F1 within the misrouting budget.
It fits one regression on every example, the other languages' too: the classifier's English regression (which hears
English conversations, CLINC150's questions included) learns the English ones only, so these estimates are for the
multilingual regression; the settings, chosen before the languages came, serve both.
"""

import argparse
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import classification_report, f1_score
from sklearn.model_selection import StratifiedKFold

from bot.eval.nlu import (
    CLINC_DIALOGUE,
    DEFAULT_CLINC,
    KB_PATH,
    KB_ROUTE,
    OUT,
    ROOT,
    SEED,
    training_split,
    tuned_encoder,
    write_nlu,
)
from bot.nlu.minilm_intents import IntentModel, lookup_tables
from encoder import OnnxSentenceEncoder

C_VALUES = (32.0, 128.0)  # C=8 and no character n-grams lost at every threshold in earlier runs
CHAR_WEIGHTS = (0.75, 1.0)
LEXICON_WEIGHTS = (0.0, 0.5, 1.0)
THRESHOLDS = (0.3, 0.4, 0.5)
AMBIGUITIES = (0.05, 0.1, 0.2)
MISROUTING_BUDGET = 0.01  # half the 2 % limit: the estimate comes from CLINC val, the limit is met on test


def _embedded_folds(examples: list, folds: list, texts: list[str], questions: list[str]) -> list[np.ndarray]:
    """Texts embedded per fold by that fold's tuned encoder; then texts and questions by one tuned on all of it."""
    from rasa.shared.nlu.training_data.training_data import TrainingData

    embedded = []
    for fold, (train_rows, _) in enumerate(folds):
        name = f"cv-encoder-{len(folds)}-{fold}"
        part = write_nlu(TrainingData(training_examples=[examples[i] for i in train_rows]), OUT / f"{name}.yml")
        embedded.append(OnnxSentenceEncoder(tuned_encoder(part, OUT / name), threads=2).encode(texts))
    all_of_it = write_nlu(TrainingData(training_examples=examples), OUT / "cv-encoder-whole.yml")
    whole = OnnxSentenceEncoder(tuned_encoder(all_of_it, OUT / "cv-encoder-whole"))
    return [*embedded, whole.encode(texts), whole.encode(questions)]


def _route(probabilities: np.ndarray, classes: np.ndarray, threshold: float, ambiguity: float) -> list[str]:
    """What FallbackClassifier makes of each row, with the KB intents merged into one route."""
    order = np.argsort(probabilities, axis=1)[:, ::-1]
    rows = np.arange(len(probabilities))
    top, second = probabilities[rows, order[:, 0]], probabilities[rows, order[:, 1]]
    fallback = (top < threshold) | (top - second < ambiguity)
    return [
        KB_ROUTE if f or classes[i] in KB_PATH else str(classes[i]) for f, i in zip(fallback, order[:, 0], strict=True)
    ]


def main(argv: list[str] | None = None) -> int:
    """Print out-of-fold macro-F1 and estimated misrouting for every setting."""
    parser = argparse.ArgumentParser(prog="python -m bot.eval.cv", description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--clinc", type=Path, default=DEFAULT_CLINC)
    args = parser.parse_args(argv)
    if not args.clinc.exists():
        sys.exit(f"CLINC150 is absent ({args.clinc}): misrouting is estimated on its val split; pass --clinc PATH")
    train, _ = training_split(ROOT / "nlu")
    examples = [m for m in train.intent_examples if m.get("text")]
    texts, labels = [m.get("text") for m in examples], [m.get("intent") for m in examples]
    lexicons = lookup_tables(train)
    gold = np.array([KB_ROUTE if label in KB_PATH else label for label in labels])
    data = json.loads(args.clinc.read_text())
    questions = [t for t, i in data["val"] if i not in CLINC_DIALOGUE] + [t for t, _ in data["oos_val"]]
    folds = list(StratifiedKFold(args.folds, shuffle=True, random_state=SEED).split(texts, labels))
    *by_fold, embedded, embedded_questions = _embedded_folds(examples, folds, texts, questions)
    print(f"{len(texts)} training examples, {args.folds} folds; {len(questions)} CLINC val questions\n")
    print(f"{'C':>5} {'chars':>5} {'lex':>4} {'thresh':>6} {'ambig':>5} {'macro-F1':>8} {'misroute':>8}")
    results = {}
    for c, weight, lexicon in itertools.product(C_VALUES, CHAR_WEIGHTS, LEXICON_WEIGHTS):
        out_of_fold = np.zeros((len(texts), len(set(gold))))
        for fold_embedded, (train_rows, test_rows) in zip(by_fold, folds, strict=True):
            model = IntentModel(c, weight, lexicons, lexicon)
            model.fit(fold_embedded[train_rows], [texts[i] for i in train_rows], gold[train_rows])
            out_of_fold[test_rows] = model.predict_proba(fold_embedded[test_rows], [texts[i] for i in test_rows])
        full = IntentModel(c, weight, lexicons, lexicon).fit(embedded, texts, list(gold))
        on_questions = full.predict_proba(embedded_questions, questions)
        for threshold, ambiguity in itertools.product(THRESHOLDS, AMBIGUITIES):
            predicted = _route(out_of_fold, full.classes_, threshold, ambiguity)
            macro = f1_score(gold, predicted, average="macro", labels=sorted(set(gold)), zero_division=0)
            claimed = sum(r != KB_ROUTE for r in _route(on_questions, full.classes_, threshold, ambiguity))
            results[(c, weight, lexicon, threshold, ambiguity)] = predicted, macro, claimed / len(questions)
            print(
                f"{c:>5} {weight:>5} {lexicon:>4} {threshold:>6} {ambiguity:>5} {macro:>8.3f} "
                f"{claimed / len(questions):>8.2%}"
            )
    affordable = [k for k, (_, _, misrouted) in results.items() if misrouted <= MISROUTING_BUDGET]
    if not affordable:
        print(f"\nno setting keeps misrouting within {MISROUTING_BUDGET:.0%}: the data or the classifier must change")
        return 1
    best = max(affordable, key=lambda k: results[k][1])
    predicted = results[best][0]
    print(
        f"\nbest within {MISROUTING_BUDGET:.0%} misrouting: C={best[0]} chars={best[1]} lexicon={best[2]} "
        f"threshold={best[3]} ambiguity={best[4]} (macro-F1 {results[best][1]:.3f}, misrouting {results[best][2]:.2%})"
    )
    print(classification_report(gold, predicted, zero_division=0, digits=3))
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    print("most frequent confusions (true → predicted):", confusions.most_common(10))
    for text, want, got in zip(texts, gold, predicted, strict=True):
        if want != got:
            print(f"  out-of-fold miss (training data): {text!r}: {want} → {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
