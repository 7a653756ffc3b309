"""A trial, on development data only, of a reader: a cross-encoder that reads the question with the article's passage.

    python -m retrieval.eval.reader_trial [--epochs 6] [--hold-out NAME] [--backend onnx]

Fine-tunes all-MiniLM-L6-v2 as a cross-encoder on `retrieval/eval/dev/reader/*.jsonl` (help-centre articles of
made-up companies in other trades; every question paired with a paragraph that answers it and one that does not,
so the question's wording alone cannot tell them apart). It prints the reader's separation on the held-out file
(`--hold-out`, left out of training), then searches the English development sets on the demo KB's index and prints,
at the number of right answers the served confidence gives, how many wrong answers the served confidence lets through
and how many its product with the reader's score does. The reader is not part of search yet; the yardsticks are
never read here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from retrieval.embedder import model_dir_for
from retrieval.eval.demo import OUT, labelled
from retrieval.eval.dev_languages import DEV
from retrieval.eval.languages import embedders, indexed
from retrieval.eval.metrics import REPO

DATA = DEV / "reader"
BATCH, LEARNING_RATE, MAX_TOKENS = 16, 4e-5, 192
READER_POWER = 0.2  # confidence × reader ** READER_POWER (chosen on the English development sets)


def passage(title: str, text: str) -> str:
    """What the reader reads beside a question: the article's title, then one of its passages."""
    return f"{title}. {text}"


def pairs(articles: list[dict], rng: np.random.Generator) -> list[tuple[str, str, float, str]]:
    """(question, title + passage, 1.0 if the passage answers it, kind) for every question of the articles."""
    found = []

    def own(article: dict, item: dict) -> str:
        """The question's own paragraph of its article, as the reader reads it."""
        return passage(article["title"], article["paragraphs"][item["paragraph"]])

    for article in articles:
        others = [a for a in articles if a["company"] == article["company"] and a is not article]
        for item in article["answerable"]:
            found.append((item["q"], own(article, item), 1.0, "answers"))
            found.append((item["q"], passage(article["title"], item["without"]), 0.0, "answer removed"))
            other = others[rng.integers(len(others))]
            paragraph = other["paragraphs"][rng.integers(len(other["paragraphs"]))]
            found.append((item["q"], passage(other["title"], paragraph), 0.0, "another article"))
        for kind in ("near_miss", "other_brand"):
            for item in article[kind]:
                found.append((item["q"], own(article, item), 0.0, kind))
                found.append((item["q"], passage(article["title"], item["with"]), 1.0, "answers"))
    return found


def read(files: list[Path]) -> list[dict]:
    """The articles of the reader's data files."""
    return [article for file in files for article in labelled(file)]


class Reader:
    """The cross-encoder: trained from the packaged sentence model, then scores (question, passage) pairs."""

    def __init__(self, seed: int = 0) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, logging

        logging.set_verbosity_error()
        logging.disable_progress_bar()
        torch.manual_seed(seed)
        base = str(model_dir_for("en"))
        self.torch, self.tokenizer = torch, AutoTokenizer.from_pretrained(base)
        self.model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1)

    def _logits(self, questions: list[str], passages: list[str]):
        """The model's logits for a batch."""
        tokens = self.tokenizer(
            questions, passages, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
        )
        return self.model(**tokens).logits.squeeze(-1)

    def train(self, data: list[tuple[str, str, float, str]], epochs: int, rng: np.random.Generator) -> None:
        """Fine-tune on the pairs (binary cross-entropy, linear warm-up and decay), printing each epoch as it ends."""
        torch = self.torch
        steps = epochs * (len(data) // BATCH)
        optimizer = torch.optim.AdamW(self.model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps)
        )
        self.model.train()
        for epoch in range(epochs):
            order = rng.permutation(len(data))
            for start in range(0, len(data) - BATCH + 1, BATCH):
                batch = [data[i] for i in order[start : start + BATCH]]
                logits = self._logits([b[0] for b in batch], [b[1] for b in batch])
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor([b[2] for b in batch]))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
            print(f"  epoch {epoch + 1}/{epochs} done", flush=True)
        self.model.eval()

    def scores(self, questions: list[str], passages: list[str]) -> np.ndarray:
        """P(the passage answers the question) per pair."""
        with self.torch.no_grad():
            parts = [
                self.torch.sigmoid(self._logits(questions[i : i + 32], passages[i : i + 32])).numpy()
                for i in range(0, len(questions), 32)
            ]
        return np.concatenate(parts) if parts else np.zeros(0)


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """The chance that a random positive scores above a random negative (ties count half)."""
    if not len(positive) or not len(negative):
        return float("nan")
    above = (positive[:, None] > negative[None, :]).mean()
    return float(above + 0.5 * (positive[:, None] == negative[None, :]).mean())


def separation(reader: Reader, data: list[tuple[str, str, float, str]]) -> None:
    """Print the held-out separation of answering passages from each kind of non-answering one, and how often a
    question's answering passage scores above its non-answering rewrite or original (the wording alone cannot)."""
    kinds = np.array([d[3] for d in data])
    score = reader.scores([d[0] for d in data], [d[1] for d in data])
    good = score[kinds == "answers"]
    row = {str(kind): round(auc(good, score[kinds == kind]), 3) for kind in sorted(set(kinds) - {"answers"})}
    print(f"  held out: area under the curve, answers vs {row}")
    answering = {d[0]: s for d, s in zip(data, score, strict=True) if d[2] == 1.0}
    paired = {}
    for kind in ("answer removed", "near_miss", "other_brand"):
        above = [answering[d[0]] > s for d, s in zip(data, score, strict=True) if d[3] == kind]
        paired[kind] = round(float(np.mean(above)), 3)
    print(f"  held out: the same question's answering passage scores higher, by kind of the other: {paired}")


def trade(reader: Reader, backend: str) -> None:
    """Print wrong answers at the served number of right answers, served confidence against it times the reader."""
    built = indexed(REPO / "kb", OUT / f"dev-index-en-{backend}", embedders(backend))
    if isinstance(built, str):
        raise SystemExit(built)
    retriever, _ = built
    for name in ("dev", "dev2"):
        items = labelled(DEV / f"{name}_en.jsonl")
        found = [retriever.search(item["query"], top_k=1) for item in items]
        best = [result["hits"][0] for result in found]
        confidence = np.array([result["confidence"] for result in found])
        right = np.array([hit["article_id"] == item["article_id"] for hit, item in zip(best, items, strict=True)])
        read_ = reader.scores([i["query"] for i in items], [passage(h["title"], h["snippet"]) for h in best])
        served = np.array([r["decision"] == "answer" for r in found])
        count = int((served & right).sum())
        for label, score in (("served", confidence), (f"× reader^{READER_POWER}", confidence * read_**READER_POWER)):
            bar = np.sort(score[right])[::-1][count - 1] if count else np.inf
            wrong = int(((score >= bar) & ~right).sum())
            print(f"  {name}_en, {label:<14} {count} right answers, {wrong} wrong (answer from {bar:.3f})")


def main(argv: list[str] | None = None) -> int:
    """Train the reader on the data files but one and print its figures."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.eval.reader_trial", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--hold-out", default="banking_airline_food", help="data file left out of training")
    parser.add_argument("--backend", default="onnx", choices=["onnx", "onnx-int8", "torch"], help="default onnx")
    args = parser.parse_args(argv)
    files = sorted(DATA.glob("*.jsonl"))
    held = [f for f in files if f.stem == args.hold_out]
    if not held:
        raise SystemExit(f"no {args.hold_out}.jsonl in {DATA}")
    rng = np.random.default_rng(0)
    training = pairs(read([f for f in files if f not in held]), rng)
    print(f"reader trial: {len(training)} training pairs, {held[0].name} held out")
    reader = Reader()
    reader.train(training, args.epochs, rng)
    separation(reader, pairs(read(held), rng))
    trade(reader, args.backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
