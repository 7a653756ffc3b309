"""Export the packaged all-MiniLM-L6-v2 to ONNX in models/encoder (once) for the bot's intent classifier."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from retrieval.embedder import default_model_dir, export_onnx  # noqa: E402

if __name__ == "__main__":
    out = export_onnx(default_model_dir(), ROOT / "models" / "encoder", int8=False)
    print(f"intent encoder: {out}")
