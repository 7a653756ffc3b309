"""The index folder: immutable segments and versions, and the `CURRENT` pointer switched atomically.

    <index>/CURRENT              name of the live version, replaced with os.replace (atomic)
    <index>/versions/<v>.json    manifest: model, segments and their tombstones, head, calibration
    <index>/segments/<id>/       immutable segments (shared by versions)
    <index>/heads/<id>.npz       softmax heads
    <index>/models/<key>/        the ONNX export of the embedding model, made once when an index is built

A version is written completely before `CURRENT` names it, so a reader sees the old index or the new
one, never half of one. The last KEEP_VERSIONS versions and what they use are kept; the rest is deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

KEEP_VERSIONS = 3


class IndexNotFound(Exception):
    """No index at a folder (one-line message naming it)."""


class IndexBusy(Exception):
    """Another process or thread is writing this index."""


class IndexStore:
    """Paths, manifests and the version pointer of one index folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.segments, self.versions = self.root / "segments", self.root / "versions"
        self.heads, self.models = self.root / "heads", self.root / "models"

    def current(self) -> str | None:
        """The live version's name, or None if nothing was ever published here."""
        try:
            return (self.root / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def require_current(self) -> str:
        """The live version's name.

        Raises:
            IndexNotFound: with a one-line message naming the folder.
        """
        version = self.current()
        if version is None:
            what = "does not exist" if not self.root.exists() else "holds no index"
            raise IndexNotFound(f"index folder {self.root} {what} (build it with: python -m retrieval reindex)")
        return version

    def manifest(self, version: str) -> dict:
        """A version's manifest."""
        return json.loads((self.versions / f"{version}.json").read_text())

    def next_version(self) -> str:
        """A version name greater than every existing one."""
        numbers = [int(p.stem[1:]) for p in self.versions.glob("v*.json") if p.stem[1:].isdigit()]
        return f"v{max(numbers, default=0) + 1:06d}"

    def publish(self, manifest: dict) -> None:
        """Write the manifest, point `CURRENT` at it atomically, then delete what no kept version uses."""
        self.versions.mkdir(parents=True, exist_ok=True)
        version = manifest["version"]
        _write_atomic(self.versions / f"{version}.json", json.dumps(manifest, indent=1))
        _write_atomic(self.root / "CURRENT", version + "\n")
        self.collect_garbage()

    def collect_garbage(self) -> None:
        """Keep the newest KEEP_VERSIONS versions and the segments, heads and models they use; delete the rest."""
        manifests = sorted(self.versions.glob("v*.json"))
        for old in manifests[:-KEEP_VERSIONS]:
            old.unlink(missing_ok=True)
        kept = [json.loads(p.read_text()) for p in manifests[-KEEP_VERSIONS:]]
        segments = {s["id"] for m in kept for s in m["segments"]}
        heads = {m["head"] for m in kept if m.get("head")}
        for folder in self.segments.glob("*"):
            if folder.name not in segments:
                shutil.rmtree(folder, ignore_errors=True)
        for file in self.heads.glob("*.npz"):
            if file.name not in heads:
                file.unlink(missing_ok=True)
        models = {m["model"].get(k) for m in kept for k in ("key", "tuned", "base_key")}
        for folder in self.models.glob("*"):
            if folder.name not in models and ".tmp" not in folder.name:
                shutil.rmtree(folder, ignore_errors=True)

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the index's write lock (a file lock, so it holds across processes).

        Raises:
            IndexBusy: when another writer holds it.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".write.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexBusy(f"a re-index of {self.root} is already running") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _write_atomic(path: Path, text: str) -> None:
    """Write a file through a temporary file, fsync it, and rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
