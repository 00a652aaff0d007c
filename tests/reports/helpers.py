"""Reading report files back the way a reviewer would: openpyxl and the csv module."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import load_workbook


def sheet_rows(path: Path, sheet: str) -> list[list[Any]]:
    """Every row of a sheet as a list of values (None for empty cells)."""
    book = load_workbook(path)
    return [list(row) for row in book[sheet].iter_rows(values_only=True)]


def sheet_dicts(path: Path, sheet: str) -> list[dict[str, Any]]:
    """A table sheet as one dict per data row, keyed by the header row."""
    header, *rows = sheet_rows(path, sheet)
    return [dict(zip(header, row, strict=True)) for row in rows]


def csv_rows(path: Path) -> list[list[str]]:
    """A CSV read back as text, after checking it starts with the UTF-8 BOM."""
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def all_text(path: Path) -> str:
    """The text of a file; for an XLSX, of every part inside it."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return path.read_text(encoding="utf-8-sig")
