"""Files that appear whole or not at all, and the CSV twins of the report's tables."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from porting_batch.files import atomic_path
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


#: Inside a folder being written: who writes it ("<host> <pid>"), so a later run can tell a
#: dead writer's folder from a live one's.
WRITER_FILE = ".writer"
_TEMP_FOLDER = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{12}\.tmp")
_RUN_STAMP = re.compile(r"-\d{8}-\d{6}$")


def batch_prefix(folder_name: str) -> str:
    """A report folder's name without its run time: what all runs of one batch share."""
    return _RUN_STAMP.sub("", folder_name)


def temp_folder_for(final: Path) -> Path:
    """A new, empty, private sibling of ``final`` to write a whole report folder into."""
    temp = final.with_name(f".{final.name}.{uuid.uuid4().hex[:12]}.tmp")
    temp.mkdir()
    (temp / WRITER_FILE).write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    return temp


def _writer_is_gone(temp: Path, older_than: float) -> bool:
    try:
        host, pid = (temp / WRITER_FILE).read_text(encoding="utf-8").split()
        if host == socket.gethostname():
            os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (OSError, ValueError):
        pass  # no marker yet, another machine's writer, or a live one we may not signal
    return time.time() - temp.stat().st_mtime > older_than


def remove_stale_temp_folders(
    parent: Path, folder_name: str, *, older_than: float = STALE_TEMP_SECONDS
) -> list[Path]:
    """Delete the temporary report folders a killed run of the same batch left in ``parent``.

    A folder is stale when its writer (named inside it) is a process of this machine that is
    gone, or when it is older than ``older_than`` seconds; a live writer's folder is left.
    """
    prefix = batch_prefix(folder_name)
    removed = []
    for path in parent.glob(".*.tmp"):
        match = _TEMP_FOLDER.fullmatch(path.name)
        if not match or not path.is_dir() or batch_prefix(match["name"]) != prefix:
            continue
        with contextlib.suppress(FileNotFoundError):
            if _writer_is_gone(path, older_than):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


def publish_folder(temp: Path, final: Path, order: Sequence[str]) -> None:
    """Put a folder written whole in ``temp`` in place at ``final``.

    A new folder appears by one rename, whole or not at all. Into an existing folder (a
    report rewritten) each file is renamed over its old version, in ``order`` (the file that
    says the set is complete last), and files of others in it are left alone.
    """
    (temp / WRITER_FILE).unlink(missing_ok=True)
    if not final.exists():
        try:
            os.rename(temp, final)
            return
        except OSError:
            if not final.is_dir():
                raise
    names = [name for name in order if (temp / name).exists()]
    names += sorted(p.name for p in temp.iterdir() if p.name not in names)
    for name in names:
        os.replace(temp / name, final / name)
    shutil.rmtree(temp, ignore_errors=True)


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
