"""`python -m retrieval.bench`: query latency at 100k chunks, a 10k-article build, memory, incremental updates.

The 100k-chunk index has real text (BM25 sees real tokens) but, to keep the run short on 2 cores, only
the first REAL_VECTORS entries are embedded; the others get vectors made by perturbing real ones. Every
query is embedded for real. The 10k-article build embeds everything for real.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from retrieval.articles import Article
from retrieval.embedder import Embedder
from retrieval.retriever import Retriever

REAL_VECTORS = 5_000
PRODUCTS = ["Hub", "Bulb", "Plug", "Camera", "Doorbell", "Thermostat", "Sensor", "Lock", "Speaker", "Strip"]
TOPICS = [
    (
        "pairing",
        "pair the {p} with the app",
        "Hold the {p} button for five seconds until the light blinks, then tap Add device.",
    ),
    ("wifi", "my {p} keeps dropping off the wifi", "Move the {p} closer to the router and use the 2.4 GHz network."),
    ("firmware", "the {p} firmware update failed", "Keep the {p} powered and start the update again from Settings."),
    ("battery", "how long does the {p} battery last", "The {p} battery lasts about a year; the app warns you at 10%."),
    ("reset", "how do I factory reset the {p}", "Press and hold reset on the {p} for ten seconds; it restarts blank."),
    ("warranty", "is my {p} still under warranty", "Every {p} has a two-year warranty from the delivery date."),
    ("returns", "can I send the {p} back", "You can return a {p} within 30 days for a full refund."),
    ("schedule", "set a schedule for the {p}", "Open the {p} in the app, tap Schedules and add a time."),
]


class MixedEmbedder:
    """Embeds the first `real` texts with the model and makes the rest by perturbing those (bench only)."""

    def __init__(self, embedder: Embedder, real: int, seed: int = 0) -> None:
        self.inner, self.real, self.rng = embedder, real, np.random.default_rng(seed)
        self.key, self.backend, self.dim = embedder.key, embedder.backend, embedder.dim
        self.model_dir, self.threads = embedder.model_dir, embedder.threads

    def encode(self, texts: Sequence[str], *, progress=None) -> np.ndarray:
        head = self.inner.encode(list(texts[: self.real]), progress=progress)
        rest = len(texts) - len(head)
        if rest <= 0:
            return head
        base = head[self.rng.integers(0, len(head), rest)]
        noisy = base + self.rng.normal(0.0, 0.04, base.shape).astype(np.float32)
        return np.concatenate([head, noisy / np.linalg.norm(noisy, axis=1, keepdims=True)])


def synthetic_articles(count: int, *, seed: int = 0, paragraphs: int = 3) -> list[Article]:
    """Articles about numbered Lumora products: title, question, `paragraphs` sections (entries: 2 + paragraphs)."""
    rng = np.random.default_rng(seed)
    articles = []
    for number in range(count):
        product = f"{PRODUCTS[number % len(PRODUCTS)]} {number // len(PRODUCTS)}"
        topic, question, answer = TOPICS[rng.integers(len(TOPICS))]
        code = f"E-{100 + number % 900}"
        body = [answer.format(p=product)]
        body += [
            f"## Step {i}\n\nIf the {product} shows error {code}, note the light pattern and restart it. "
            f"Then check the {topic} settings of the {product}."
            for i in range(1, paragraphs)
        ]
        articles.append(
            Article(
                id=f"a{number:06d}",
                title=f"{product}: {topic}",
                tags=(topic,),
                questions=(question.format(p=product),),
                body="\n\n".join(body),
            )
        )
    return articles


def queries(count: int, *, seed: int = 1) -> list[str]:
    """Realistic query strings about the synthetic products."""
    rng = np.random.default_rng(seed)
    templates = ["{q}", "help, {q}", "{q}?", "my {p} shows error E-{c}", "{p} not working after the update"]
    out = []
    for _ in range(count):
        product = f"{PRODUCTS[rng.integers(len(PRODUCTS))]} {rng.integers(2000)}"
        question = TOPICS[rng.integers(len(TOPICS))][1].format(p=product)
        out.append(templates[rng.integers(len(templates))].format(q=question, p=product, c=rng.integers(100, 999)))
    return out


def rss_mb() -> float:
    """This process's resident memory in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(function, items) -> list[float]:
    """Milliseconds per call of function(item), after 20 warm-up calls."""
    for item in items[:20]:
        function(item)
    times = []
    for item in items:
        started = time.perf_counter()
        function(item)
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_queries(root: Path, embedder: Embedder, chunks: int, count: int) -> list[tuple[str, str]]:
    """Query latency at `chunks` entries: the full pipeline against plain torch + exact FAISS."""
    import faiss
    import transformers
    from sentence_transformers import SentenceTransformer

    articles = synthetic_articles(chunks // 5, paragraphs=3)  # title, question and 3 chunks: 5 entries each
    writer = Retriever.open(root, embedder=MixedEmbedder(embedder, REAL_VECTORS), create=True)
    started = time.perf_counter()
    writer.reindex(articles, tune="never")
    build = time.perf_counter() - started
    before = rss_mb()
    retriever = Retriever.open(root, embedder=embedder)
    memory = rss_mb() - before
    entries = sum(len(segment) for segment in retriever._snapshot.segments)
    disk = sum(f.stat().st_size for f in (root / "segments").rglob("*") if f.is_file()) / 2**20
    texts = queries(count)
    ours = timed(lambda q: retriever.search(q, top_k=5), texts)
    transformers.logging.disable_progress_bar()
    plain = SentenceTransformer(str(embedder.model_dir), device="cpu")
    flat = faiss.IndexFlatIP(embedder.dim)
    for segment in retriever._snapshot.segments:
        flat.add(np.ascontiguousarray(segment.vectors))
    baseline = timed(lambda q: flat.search(plain.encode([q], normalize_embeddings=True), 5), texts)
    embed_only = timed(embedder.encode_query, texts)
    scale = 100_000 / entries
    return [
        (
            f"query p50 / p99, {entries:,} chunks: embed+search+fuse ({embedder.backend}, HNSW+BM25)",
            f"{np.percentile(ours, 50):.1f} / {np.percentile(ours, 99):.1f} ms",
        ),
        (
            "  of which query embedding alone",
            f"{np.percentile(embed_only, 50):.1f} / {np.percentile(embed_only, 99):.1f} ms",
        ),
        (
            "  baseline: sentence-transformers on torch + exact FAISS (same run)",
            f"{np.percentile(baseline, 50):.1f} / {np.percentile(baseline, 99):.1f} ms",
        ),
        (f"index memory per 100k chunks (RSS growth on open; {entries:,} chunks)", f"{memory * scale:.0f} MB"),
        ("index size on disk per 100k chunks", f"{disk * scale:.0f} MB"),
        (f"  build of that index ({REAL_VECTORS:,} real vectors, rest synthetic)", f"{build:.1f} s"),
    ]


def bench_build(root: Path, embedder: Embedder, count: int) -> tuple[list[tuple[str, str]], Retriever, list[Article]]:
    """A full build of `count` articles with real embeddings."""
    articles = synthetic_articles(count, seed=7, paragraphs=2)
    retriever = Retriever.open(root, embedder=embedder, create=True)
    result = retriever.reindex(articles, tune="never")
    entries = sum(len(segment) for segment in retriever._snapshot.segments)
    rows = [
        (
            f"full build, {count:,} articles ({entries:,} chunks, real embeddings)",
            f"{result.seconds:.1f} s = {count / result.seconds:.0f} articles/s",
        )
    ]
    return rows, retriever, articles


def bench_incremental(retriever: Retriever, articles: list[Article]) -> list[tuple[str, str]]:
    """One changed article in the big index: upsert → searchable; re-index → searchable, then recalibrated."""
    rows = []
    times = []
    for round_ in range(5):
        old = articles[round_ * 97]
        product, code = old.title.split(":")[0], f"QZ-{round_}{round_ * 97}"
        note = f"Since firmware {round_}.4 the {product} also fits the Quartz wall bracket {code}."
        changed = Article(
            id=old.id, title=old.title, tags=old.tags, questions=old.questions, body=f"{old.body}\n\n{note}"
        )
        started = time.perf_counter()
        retriever.upsert(changed)
        hit = retriever.search(f"does the {product} fit the {code} bracket", top_k=1)["hits"][0]["article_id"]
        times.append((time.perf_counter() - started) * 1000)
        if hit != old.id:
            raise RuntimeError(f"the changed article {old.id} was not found first (got {hit})")
    rows.append(
        ("one changed article, 10k-article index: upsert → searchable (median of 5)", f"{np.median(times):.0f} ms")
    )
    edited = list(articles)
    edited[5] = Article(id=edited[5].id, title=edited[5].title, body=edited[5].body + "\n\nAlso: the onyx mount.")
    result = retriever.reindex(edited, tune="never")
    rows.append(
        (
            "  same through a re-index: searchable / head+calibration refit done",
            f"{result.searchable_seconds * 1000:.0f} ms / {result.seconds:.1f} s",
        )
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and print the table."""
    parser = argparse.ArgumentParser(prog="python -m retrieval.bench", description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=100_000, help="entries in the latency index (default 100000)")
    parser.add_argument("--articles", type=int, default=10_000, help="articles in the build benchmark (default 10000)")
    parser.add_argument("--queries", type=int, default=500, help="timed queries (default 500)")
    args = parser.parse_args(argv)
    embedder = Embedder()
    print(f"model {embedder.name}, {embedder.threads} threads; this takes a few minutes", flush=True)
    root = Path(tempfile.mkdtemp(prefix="swarmdesk-bench-"))
    try:
        rows = bench_queries(root / "latency", embedder, args.chunks, args.queries)
        shutil.rmtree(root / "latency")
        build_rows, retriever, articles = bench_build(root / "build", embedder, args.articles)
        rows += build_rows + bench_incremental(retriever, articles)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    width = max(len(name) for name, _ in rows)
    print(f"\n{'measure':<{width}}  value")
    print(f"{'-' * width}  {'-' * 24}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print("\ntargets: query p50 ≤ 8 ms, p99 ≤ 20 ms; one changed article searchable ≤ 300 ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
