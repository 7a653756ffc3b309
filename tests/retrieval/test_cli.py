"""The command line contract: reindex with progress, search JSON, --batch JSON lines, one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    """Run `python -m retrieval ...` from the repository root."""
    env = os.environ | {"HF_HUB_OFFLINE": "1", "SWARMDESK_RETRIEVAL_THREADS": "2"}
    return subprocess.run(
        [sys.executable, "-m", "retrieval", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_reindex_search_and_batch(kb_dir: Path, tmp_path: Path):
    index = tmp_path / "index"
    (kb_dir / "broken.md").write_text("---\nid: broken\ntitle: Broken\ntags: {a: 1}\n---\nx\n")
    built = cli("reindex", "--kb", str(kb_dir), "--index", str(index))
    assert built.returncode == 1, built.stderr
    assert f"error: {kb_dir / 'broken.md'}:4: 'tags' must be a list of strings" in built.stderr
    assert "embedding" in built.stderr
    summary = json.loads(built.stdout)
    assert summary["articles"] == 8 and summary["broken_files"] == 1
    assert list((index / "models").glob("*/model.onnx")), "the ONNX export is kept with the index"

    one = cli("search", "--index", str(index), "--top-k", "2", "my hub shows E-205")
    assert one.returncode == 0, one.stderr
    result = json.loads(one.stdout)
    assert set(result) == {"query", "decision", "answerable", "confidence", "offered", "hits"}
    assert len(result["hits"]) == 2
    assert result["hits"][0]["article_id"] == "hub-e205"

    queries = tmp_path / "queries.txt"
    queries.write_text("how do I get a refund\n\nwhat is the capital of France\n")
    batch = cli("search", "--index", str(index), "--batch", str(queries))
    assert batch.returncode == 0, batch.stderr
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["how do I get a refund", "what is the capital of France"]
    assert [line["answerable"] for line in lines] == [True, False]
    assert [line["decision"] for line in lines] == ["answer", "none"]
    assert [a["article_id"] for a in lines[0]["offered"]] == ["refunds"] and lines[1]["offered"] == []
    assert all(set(h) == {"article_id", "title", "tags", "score", "snippet", "url"} for h in lines[0]["hits"])


def test_unknown_index_dir_is_one_line_naming_it(tmp_path: Path):
    missing = tmp_path / "no-such-index"
    result = cli("search", "--index", str(missing), "hello")
    assert result.returncode != 0 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and str(missing) in result.stderr
    assert "Traceback" not in result.stderr
