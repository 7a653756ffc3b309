"""Fine-tune the packaged MiniLM on the bot's intents and export it to ONNX (runs in the app venv: torch).

    .venv/bin/python -m encoder.finetune --nlu nlu --out models/encoder-intents

The packaged encoder was trained to find related sentences, so "thanks, that fixed it" (helpful) and
"thanks a lot" (thank) sit close together. A few epochs of supervised training (mean-pooled embeddings
into a linear layer, cross-entropy weighted by class size) move the examples of each intent together;
the linear layer is then thrown away and the bot's logistic regression (`bot/nlu/minilm_intents.py`)
learns on the tuned embeddings as before. `ask_question` and `nlu_fallback` are one class, as in the
bot's eval. Seeded, CPU only, under a minute per epoch on 2 cores; the output folder is reused while the
NLU files and this code are unchanged. The epochs and learning rate were compared by `bot.eval.cv` (5-fold
CV on the training 80 %, one tuned encoder per fold): 3 epochs at 5e-5 beat the untuned encoder and 5 epochs.
"""

import argparse
import hashlib
import random
import re
import shutil
import sys
from pathlib import Path

import yaml

SEED = 20261128
EPOCHS = 3
BATCH_SIZE = 32
LEARNING_RATE = 5e-5
HEAD_LEARNING_RATE = 1e-2
LOGIT_SCALE = 10.0  # embeddings are unit length: scaled dot products make usable logits
KB_INTENTS = {"ask_question", "nlu_fallback"}  # both take the KB search: one class
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")  # [CS-10428](case_number) → CS-10428


def read_examples(paths: list[Path]) -> tuple[list[str], list[str]]:
    """Texts and intents of Rasa NLU YAML files (entity annotations reduced to their text)."""
    texts, labels = [], []
    for path in paths:
        for item in (yaml.safe_load(path.read_text()) or {}).get("nlu", []):
            for line in str(item.get("examples", "")).splitlines() if "intent" in item else []:
                text = ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
                if text:
                    texts.append(text)
                    labels.append("ask_question" if item["intent"] in KB_INTENTS else item["intent"])
    return texts, labels


def finetune(texts: list[str], labels: list[str], base: Path, out: Path, threads: int = 2) -> Path:
    """Train `base` with a throw-away linear intent layer and save the sentence-transformers folder to `out`."""
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(SEED)
    torch.set_num_threads(threads)
    classes = sorted(set(labels))
    targets = torch.tensor([classes.index(label) for label in labels])
    counts = np.bincount(targets.numpy(), minlength=len(classes))
    weights = torch.tensor(len(labels) / (len(classes) * counts), dtype=torch.float32)
    model = SentenceTransformer(str(base), device="cpu")
    model.train()
    head = torch.nn.Linear(model.get_embedding_dimension(), len(classes))
    optimizers = [
        torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE),
        torch.optim.AdamW(head.parameters(), lr=HEAD_LEARNING_RATE),
    ]
    order, rng = list(range(len(texts))), random.Random(SEED)
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            embeddings = model(model.preprocess([texts[i] for i in rows]))["sentence_embedding"]
            loss = torch.nn.functional.cross_entropy(LOGIT_SCALE * head(embeddings), targets[rows], weight=weights)
            for optimizer in optimizers:
                optimizer.zero_grad()
            loss.backward()
            for optimizer in optimizers:
                optimizer.step()
        print(f"  epoch {epoch + 1}/{EPOCHS}: loss {loss.item():.4f}", flush=True)
    model.eval()
    model.save(str(out))
    return out


def build(nlu: list[Path], out: Path) -> Path:
    """The tuned encoder for these NLU files, exported to `out`; kept when built from the same content."""
    from encoder.export import default_model_dir, export_onnx

    digest = hashlib.sha256(b"".join(path.read_bytes() for path in [*nlu, Path(__file__)])).hexdigest()[:16]
    stamp = out / "source.sha256"
    if stamp.exists() and stamp.read_text() == digest:
        return out
    texts, labels = read_examples(nlu)
    print(f"fine-tuning the intent encoder on {len(texts)} examples of {len(set(labels))} intents…", flush=True)
    tuned = out.with_name(out.name + ".torch")
    for folder in (out, tuned):
        shutil.rmtree(folder, ignore_errors=True)
    finetune(texts, labels, default_model_dir(), tuned)
    export_onnx(tuned, out, int8=False)
    shutil.rmtree(tuned)
    stamp.write_text(digest)
    return out


def main(argv: list[str] | None = None) -> int:
    """Build the tuned encoder from the NLU files given (a folder stands for its *.yml files, in subfolders too)."""
    parser = argparse.ArgumentParser(prog="python -m encoder.finetune", description=__doc__.split("\n")[0])
    parser.add_argument("--nlu", type=Path, nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    files = [f for p in args.nlu for f in (sorted(p.rglob("*.yml")) if p.is_dir() else [p])]
    print(f"intent encoder: {build(files, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
