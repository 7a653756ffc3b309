"""Contrastive fine-tuning of the embedding model on the KB's own questions (CPU, when the KB has enough of them).

Each step takes one pair of questions from each of `batch` different articles and trains with in-batch
negatives (multiple-negatives ranking loss), so questions of the same article move together and away
from the others'. A fifth of the articles and a fifth of every other article's questions are held out
of the training: the index calibrates on exactly those, so its thresholds see unseen questions only.
A KB is tuned from ≥ 20 articles with questions and as many questions as its language's analyzer says
(`Analyzer.tune_from`: 100 in English, where the demo KB's 184 gained right answers and `none`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from retrieval.analysis import Analyzer
from retrieval.articles import Article

MIN_ARTICLES = 20
HELD_SHARE = 0.2
BATCH, LEARNING_RATE, MAX_STEPS, SCALE = 64, 5e-5, 300, 20.0


def worth_tuning(articles: Sequence[Article], analyzer: Analyzer) -> bool:
    """Whether a KB has enough questions to tune on: `analyzer.tune_from` questions over ≥ 20 articles."""
    asked = [a for a in articles if len(a.questions) >= 2]
    return sum(len(a.questions) for a in asked) >= analyzer.tune_from and len(asked) >= MIN_ARTICLES


def question_key(article_id: str, question: str) -> str:
    """A short stable key of one question of one article."""
    return hashlib.sha1(f"{article_id}\n{question}".encode()).hexdigest()[:12]


def split(articles: Sequence[Article], *, seed: int = 0) -> tuple[dict[str, list[str]], set[str]]:
    """(training questions by article, held-out article ids): 20% of articles and 20% of the others' questions out."""
    rng = np.random.default_rng(seed)
    asked = [a for a in articles if len(a.questions) >= 2]
    held = {asked[i].id for i in rng.permutation(len(asked))[: int(len(asked) * HELD_SHARE)]}
    train = {}
    for article in asked:
        if article.id not in held:
            questions = [article.questions[i] for i in rng.permutation(len(article.questions))]
            keep = max(2, len(questions) - int(len(questions) * HELD_SHARE))
            train[article.id] = questions[:keep]
    return train, held


def tune(
    base_dir: Path,
    out_dir: Path,
    articles: Sequence[Article],
    *,
    threads: int,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Fine-tune `base_dir` on the articles' questions and save a sentence-transformers folder to `out_dir`.

    Args:
        base_dir: The sentence-transformers folder to start from (Transformer + mean Pooling [+ Normalize]).
        out_dir: Where the tuned model goes; `tuning.json` there lists what training saw.
        articles: The KB.
        threads: torch threads.
        seed: Seed for the split and the batches. Defaults to 0.
        progress: Called as progress(step, steps).
    """
    import torch
    import transformers
    from transformers import AutoModel, AutoTokenizer

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    train, _ = split(articles, seed=seed)
    rng = np.random.default_rng(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    model = AutoModel.from_pretrained(str(base_dir))
    batch = min(BATCH, len(train))
    steps = min(MAX_STEPS, max(50, 2 * sum(map(len, train.values())) // batch))
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 20) * max(0.0, 1 - s / steps))
    names = list(train)

    def embed(texts: list[str]):
        tokens = tokenizer(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
        hidden = model(**tokens).last_hidden_state
        mask = tokens["attention_mask"].unsqueeze(-1).float()
        return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)

    model.train()
    for step in range(steps):
        pairs = [rng.choice(train[names[i]], 2, replace=False) for i in rng.permutation(len(names))[:batch]]
        anchors, positives = embed([p[0] for p in pairs]), embed([p[1] for p in pairs])
        loss = torch.nn.functional.cross_entropy(SCALE * anchors @ positives.T, torch.arange(len(pairs)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if progress:
            progress(step + 1, steps)
    tmp = out_dir.with_name(out_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(base_dir, tmp, ignore=shutil.ignore_patterns("*.safetensors", "*.bin", "onnx*", ".*"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.save_pretrained(str(tmp))
    seen = sorted(question_key(article_id, q) for article_id, questions in train.items() for q in questions)
    info = {"steps": steps, "batch": batch, "trained_articles": sorted(train), "seen_questions": seen}
    (tmp / "tuning.json").write_text(json.dumps(info))
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return out_dir


def seen_by_tuning(model_dir: Path) -> tuple[set[str], set[str]] | None:
    """(keys of questions trained on, ids of articles trained on), or None if the model was not tuned here."""
    file = model_dir / "tuning.json"
    if not file.exists():
        return None
    info = json.loads(file.read_text())
    return set(info["seen_questions"]), set(info["trained_articles"])
