"""A process that embeds with a model already exported to ONNX needs no torch (about 200 MB of every app worker)."""

import subprocess
import sys

from core.settings import ROOT

OPEN_AND_EMBED = """
import sys
from retrieval.embedder import Embedder
Embedder(backend="onnx", threads=1, export_root=sys.argv[1]).encode_query("my hub is offline")
print("torch" in sys.modules)
"""


def test_an_exported_model_is_opened_and_used_without_importing_torch(embedder, onnx_root):
    opened = subprocess.run(
        [sys.executable, "-c", OPEN_AND_EMBED, str(onnx_root)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert opened.returncode == 0, opened.stderr[-2000:]
    assert opened.stdout.strip() == "False"
