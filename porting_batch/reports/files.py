"""Files that appear whole or not at all, and the CSV twins of the report's tables."""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from porting_batch.reports.tables import Cell
from porting_batch.safety import FORMULA_STARTS, looks_like_formula

FORMULA_FIRST = frozenset(FORMULA_STARTS)


@dataclass
class ReportFiles:
    """Where one run's report files are. ``annotated`` is None when it was not written."""

    folder: Path
    xlsx: Path
    numbers_csv: Path
    orders_csv: Path
    issues_csv: Path
    summary_json: Path
    annotated: Path | None
    #: Plain sentences about what was or was not written (shown in Summary too).
    notes: list[str] = field(default_factory=list)

    def all_paths(self) -> list[Path]:
        """Every file written, report.xlsx first."""
        paths = [self.xlsx, self.numbers_csv, self.orders_csv, self.issues_csv, self.summary_json]
        if self.annotated is not None:
            paths.append(self.annotated)
        return paths


CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel read the file as UTF-8
CSV_DATETIME = "%Y-%m-%d %H:%M:%S"


#: A temporary file older than this was left by a process that died while writing.
STALE_TEMP_SECONDS = 3_600
_TEMP_NAME = re.compile(r"\.[^/]+\.[0-9a-f]{12}\.tmp(\.[A-Za-z0-9]+)?")


def remove_stale_temps(folder: Path, *, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete temporary files a killed writer left in ``folder``; return what was removed.

    Only names :func:`atomic_path` makes, and only old ones: a younger one may belong to a
    writer still at work.
    """
    removed = []
    now = time.time()
    for path in folder.glob(".*.tmp*"):
        if not _TEMP_NAME.fullmatch(path.name):
            continue
        with contextlib.suppress(FileNotFoundError):
            if now - path.stat().st_mtime > older_than:
                path.unlink()
                removed.append(path)
    return removed


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


def csv_row(cells: Sequence[Cell]) -> list[str | int | float]:
    """A table row as CSV fields: dates as text, formula-looking text behind an apostrophe."""
    out: list[str | int | float] = []
    for value in cells:
        if value is None:
            out.append("")
        elif isinstance(value, str):
            # Table values are already safe_text: only the formula defence is left to do.
            if value and value[0] in FORMULA_FIRST and looks_like_formula(value):
                value = "'" + value
            out.append(value)
        elif isinstance(value, datetime):
            out.append(value.strftime(CSV_DATETIME))
        else:
            out.append(value)
    return out


def write_json(path: Path, data: Any) -> None:
    """Pretty JSON, atomically."""
    with atomic_path(path) as temp, temp.open("w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=2, default=str)
        handle.write("\n")
