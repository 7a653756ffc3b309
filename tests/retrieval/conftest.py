"""Fixtures: the real packaged model (loaded once per session) and small knowledge bases written to tmp dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.embedder import Embedder
from retrieval.retriever import Retriever
from tests.retrieval.sample_kb import ARTICLES, write_article


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A small Lumora knowledge base (8 articles, 24 questions) in a tmp dir."""
    folder = tmp_path / "kb"
    folder.mkdir()
    for article_id, (title, tags, questions, body) in ARTICLES.items():
        write_article(folder, article_id, title, tags, questions, body)
    return folder


@pytest.fixture(scope="session")
def onnx_root(tmp_path_factory) -> Path:
    """Where the session's ONNX export of the packaged model goes."""
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="session")
def embedder(onnx_root: Path) -> Embedder:
    """The packaged all-MiniLM-L6-v2 on ONNX Runtime, exported once for the session."""
    return Embedder(backend="onnx", threads=2, export_root=onnx_root)


@pytest.fixture
def built(kb_dir: Path, tmp_path: Path, embedder: Embedder) -> Retriever:
    """A retriever over a freshly built index of `kb_dir`."""
    from retrieval.articles import load_kb

    retriever = Retriever.open(tmp_path / "index", embedder=embedder, create=True)
    articles, errors = load_kb(kb_dir)
    assert not errors
    retriever.reindex(articles)
    return retriever
