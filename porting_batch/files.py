"""Files written whole or not at all, and files known by their content."""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "file_sha256", "write_text_atomic"]

_BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    """The hex SHA-256 of a file's bytes, read a block at a time (a big file is never held)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it to ``final`` only if the block succeeds.

    The temporary name starts with a dot and keeps the extension (writers such as xlsxwriter
    look at it). On any failure the temporary file is removed and ``final`` is left untouched,
    so a reader only ever sees the previous file or the new one, never half of one.
    """
    temp = final.with_name(f".{final.stem}.{uuid.uuid4().hex[:12]}.tmp{final.suffix}")
    try:
        yield temp
        os.replace(temp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_text_atomic(final: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``final`` by a rename, so no reader sees half of it."""
    with atomic_path(final) as temp:
        temp.write_text(text, encoding="utf-8")
