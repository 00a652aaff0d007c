"""The reports an operator reads after every run, one folder per run.

``<out>/<batch name>-<YYYYmmdd-HHMMSS>/`` holds ``report.xlsx`` (Summary, Numbers, Orders,
Issues), ``numbers.csv``, ``orders.csv``, ``issues.csv`` (UTF-8 with BOM), ``summary.json`` and
``annotated.xlsx`` (the operator's workbook with a result column and the bad cells marked).
Every file is written under a temporary name and renamed, so it appears whole or not at all.
The columns of every file are listed in ``docs/reports.md``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from porting_batch.errors import ReportError
from porting_batch.reports.annotated import (
    ANNOTATED_MAX_CELLS,
    ANNOTATED_MAX_ROWS,
    write_annotated,
)
from porting_batch.reports.files import (
    ReportFiles,
    atomic_path,
    remove_stale_temps,
    write_json,
)
from porting_batch.reports.summary import summary_dict, summary_markdown, summary_rows
from porting_batch.reports.tables import Tables
from porting_batch.reports.workbook import overflow_notes, write_report_files
from porting_batch.results import BatchResult
from porting_batch.safety import strip_controls

__all__ = [
    "ANNOTATED_MAX_CELLS",
    "ANNOTATED_MAX_ROWS",
    "ReportFiles",
    "report_folder",
    "summary_dict",
    "summary_markdown",
    "write_reports",
]

REPORT_XLSX = "report.xlsx"
NUMBERS_CSV = "numbers.csv"
ORDERS_CSV = "orders.csv"
ISSUES_CSV = "issues.csv"
SUMMARY_JSON = "summary.json"
ANNOTATED_XLSX = "annotated.xlsx"

# Characters Windows, macOS or a shell would trip on in a folder name.
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s]+')


def report_folder(out_dir: Path, batch_name: str, started_at: datetime) -> Path:
    """Create and return ``<out_dir>/<batch name>-<YYYYmmdd-HHMMSS>/`` (time in UTC).

    The batch name is made safe for any file system; calling again with the same arguments
    returns the same folder.
    """
    if started_at.tzinfo is not None:
        started_at = started_at.astimezone(UTC)
    name = _UNSAFE_NAME.sub("_", strip_controls(batch_name)).strip("._") or "batch"
    folder = Path(out_dir) / f"{name[:80]}-{started_at:%Y%m%d-%H%M%S}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"cannot create the report folder {folder}: {exc.strerror or exc}",
            hint="check that the output folder is writable, or choose another with --out",
        ) from exc
    return folder


def write_reports(
    result: BatchResult,
    folder: Path,
    *,
    masked_headers: set[str] | None = None,
    annotated_max_rows: int = ANNOTATED_MAX_ROWS,
    annotated_max_cells: int = ANNOTATED_MAX_CELLS,
    annotated_clear_secrets: bool = False,
) -> ReportFiles:
    """Write every report file of ``result`` into ``folder``, each atomically.

    ``masked_headers`` are the operator's header texts whose values are PINs or account
    numbers; by default, headers whose words say pin, passcode or account. A result with
    ``complete=False`` is reported all the same, marked incomplete with its failure text.
    The annotated workbook is left out (with a note) when the input has more than
    ``annotated_max_rows`` rows or ``annotated_max_cells`` cells, or can no longer be read;
    any other failure raises :class:`ReportError`, leaving no partial file. Its PIN and
    account-number cells are masked unless ``annotated_clear_secrets``.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"cannot create the report folder {folder}: {exc.strerror or exc}",
            hint="check that the output folder is writable, or choose another with --out",
        ) from exc
    remove_stale_temps(folder)
    tables = Tables(result, masked_headers)
    files = ReportFiles(
        folder=folder,
        xlsx=folder / REPORT_XLSX,
        numbers_csv=folder / NUMBERS_CSV,
        orders_csv=folder / ORDERS_CSV,
        issues_csv=folder / ISSUES_CSV,
        summary_json=folder / SUMMARY_JSON,
        annotated=None,
    )
    current = "annotated.xlsx"
    try:
        # The annotated copy goes first so the Summary sheet can say whether it exists.
        annotated_path = folder / ANNOTATED_XLSX
        note = write_annotated(
            result,
            tables,
            annotated_path,
            max_rows=annotated_max_rows,
            max_cells=annotated_max_cells,
            clear_secrets=annotated_clear_secrets,
        )
        if note:
            files.notes.append(note)
        else:
            files.annotated = annotated_path
        files.notes.extend(overflow_notes(tables))
        # report.xlsx and the three CSVs are renamed together, and only once all four are
        # whole: a reader never meets a new workbook beside an old CSV or a missing one.
        current = "report.xlsx and the CSV files"
        with (
            atomic_path(files.xlsx) as xlsx,
            atomic_path(files.numbers_csv) as numbers_csv,
            atomic_path(files.orders_csv) as orders_csv,
            atomic_path(files.issues_csv) as issues_csv,
        ):
            write_report_files(
                xlsx,
                (numbers_csv, orders_csv, issues_csv),
                tables,
                summary_rows(result, tables, files.notes),
            )
        # summary.json last: when it exists, every other file of the run is complete.
        current = "summary.json"
        write_json(files.summary_json, summary_dict(result, files=files, tables=tables))
    except ReportError:
        raise
    except Exception as exc:
        raise ReportError(
            f"could not write {current} in {folder}: {exc}",
            hint="check the disk space and permissions of the report folder",
        ) from exc
    return files
