"""Atomic writes and file digests: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from porting_batch.files import atomic_path, file_sha256, write_text_atomic


def test_file_sha256_matches_hashlib_across_block_boundaries(tmp_path: Path) -> None:
    """A file larger than one read block hashes to the digest of its whole content."""
    data = bytes(range(256)) * 9000  # over 2 MiB: three blocks
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()


def test_atomic_path_leaves_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    """A failure inside the block keeps the previous content and removes the temporary file."""
    target = tmp_path / "report.json"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_path(target) as temp:
        temp.write_text("half", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_write_text_atomic_replaces_the_whole_file(tmp_path: Path) -> None:
    """The new text replaces the old one in one rename, with no temporary file left."""
    target = tmp_path / "claim.json"
    target.write_text("old content that is longer", encoding="utf-8")
    write_text_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["claim.json"]
