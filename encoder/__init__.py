"""Sentence embeddings on ONNX Runtime from a folder exported by `encoder.export.export_onnx`.

Needs only numpy, onnxruntime and tokenizers, so the app (retrieval) and the Rasa environment (the bot's
intent classifier) share it. The folder holds model.onnx (or model.int8.onnx), tokenizer.json and
embedder.json (inputs, pooling, normalize, max_seq_length, dim, key).
"""

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class OnnxSentenceEncoder:
    """Embed texts with an exported model: pad to the longest in the batch, pool, normalize."""

    def __init__(self, folder: str | Path, *, threads: int = 1, int8: bool = False) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.meta = json.loads((folder / "embedder.json").read_text())
        self.dim = self.meta["dim"]
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.meta["max_seq_length"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        model = folder / ("model.int8.onnx" if int8 else "model.onnx")
        self._session = onnxruntime.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def encode_batch(self, texts: Sequence[str]) -> np.ndarray:
        """Embed one batch as an (n, dim) float32 array."""
        encodings = self._tokenizer.encode_batch(list(texts))
        width = max(len(e.ids) for e in encodings)
        feed = {name: np.zeros((len(texts), width), dtype=np.int64) for name in self.meta["inputs"]}
        for row, encoding in enumerate(encodings):
            size = len(encoding.ids)
            feed["input_ids"][row, :size] = encoding.ids
            feed["attention_mask"][row, :size] = encoding.attention_mask
            if "token_type_ids" in feed:
                feed["token_type_ids"][row, :size] = encoding.type_ids
        hidden = self._session.run(None, feed)[0]
        if self.meta["pooling"] == "cls":
            pooled = hidden[:, 0]
        else:
            mask = feed["attention_mask"][:, :, None].astype(np.float32)
            pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
        if self.meta["normalize"]:
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed any number of texts, in batches of similar length."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            out[rows] = self.encode_batch([texts[i] for i in rows])
        return out
