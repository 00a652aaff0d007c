"""The reports an operator reads after every run, one folder per run.

``<out>/<batch name>-<YYYYmmdd-HHMMSS>/`` holds ``report.xlsx`` (Summary, Numbers, Orders,
Issues), ``numbers.csv``, ``orders.csv``, ``issues.csv`` (UTF-8 with BOM), ``summary.json`` and
``annotated.xlsx`` (the operator's workbook with a result column and the bad cells marked).
The folder is written whole under a temporary sibling name and renamed into place, so it
appears complete or not at all; a rewrite into an existing folder renames each file over its
old version. Temporary folders a killed run of the same batch left are removed by the next.
The columns of every file are listed in ``docs/reports.md``; :func:`result_frames` gives the
same tables as pandas DataFrames, for notebooks.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from porting_batch.errors import ReportError
from porting_batch.files import atomic_path
from porting_batch.reports.annotated import (
    ANNOTATED_MAX_CELLS,
    ANNOTATED_MAX_ROWS,
    write_annotated,
)
from porting_batch.reports.files import (
    ReportFiles,
    publish_folder,
    remove_stale_temp_folders,
    remove_stale_temps,
    temp_folder_for,
    write_json,
)
from porting_batch.reports.frames import result_frames
from porting_batch.reports.summary import summary_dict, summary_markdown, summary_rows
from porting_batch.reports.tables import Tables
from porting_batch.reports.tracking_report import TrackedOrder, write_tracking_report
from porting_batch.reports.workbook import overflow_notes, write_report_files
from porting_batch.results import BatchResult
from porting_batch.safety import strip_controls

__all__ = [
    "ANNOTATED_MAX_CELLS",
    "ANNOTATED_MAX_ROWS",
    "ReportFiles",
    "TrackedOrder",
    "report_folder",
    "result_frames",
    "summary_dict",
    "summary_markdown",
    "write_reports",
    "write_tracking_report",
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
    """Return ``<out_dir>/<batch name>-<YYYYmmdd-HHMMSS>/`` (time in UTC), creating ``out_dir``.

    The folder itself is made by :func:`write_reports`, whole, when the report is written.
    The batch name is made safe for any file system; calling again with the same arguments
    returns the same folder.
    """
    if started_at.tzinfo is not None:
        started_at = started_at.astimezone(UTC)
    name = _UNSAFE_NAME.sub("_", strip_controls(batch_name)).strip("._") or "batch"
    folder = Path(out_dir) / f"{name[:80]}-{started_at:%Y%m%d-%H%M%S}"
    _make_folder(folder.parent, folder)
    return folder


def _make_folder(path: Path, shown: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"cannot create the report folder {shown}: {exc.strerror or exc}",
            hint="check that the output folder is writable, or choose another with --out",
        ) from exc


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
    _make_folder(folder.parent, folder)
    if folder.exists() and not folder.is_dir():
        _make_folder(folder, folder)  # raises the ReportError that names it
    remove_stale_temp_folders(folder.parent, folder.name)
    if folder.is_dir():
        remove_stale_temps(folder)
    try:
        work = temp_folder_for(folder)
    except OSError as exc:
        raise ReportError(
            f"cannot create the report folder {folder}: {exc.strerror or exc}",
            hint="check that the output folder is writable, or choose another with --out",
        ) from exc
    try:
        files = _write_into(
            result,
            work,
            folder,
            masked_headers,
            annotated_max_rows,
            annotated_max_cells,
            annotated_clear_secrets,
        )
        order = [ANNOTATED_XLSX, REPORT_XLSX, NUMBERS_CSV, ORDERS_CSV, ISSUES_CSV, SUMMARY_JSON]
        publish_folder(work, folder, order)
    except ReportError:
        shutil.rmtree(work, ignore_errors=True)
        raise
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise ReportError(
            f"could not put the report folder {folder} in place: {exc.strerror or exc}",
            hint="check the disk space and permissions of the output folder",
        ) from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return files


def _files_in(folder: Path) -> ReportFiles:
    """The report's files as they will be named in ``folder``, the annotated copy not yet."""
    return ReportFiles(
        folder=folder,
        xlsx=folder / REPORT_XLSX,
        numbers_csv=folder / NUMBERS_CSV,
        orders_csv=folder / ORDERS_CSV,
        issues_csv=folder / ISSUES_CSV,
        summary_json=folder / SUMMARY_JSON,
        annotated=None,
    )


def _write_into(
    result: BatchResult,
    work: Path,
    folder: Path,
    masked_headers: set[str] | None,
    annotated_max_rows: int,
    annotated_max_cells: int,
    annotated_clear_secrets: bool,
) -> ReportFiles:
    """Write every file into ``work``; the ReportFiles returned name them in ``folder``,
    where they will be (the summary names those paths)."""
    tables = Tables(result, masked_headers)
    files = _files_in(folder)
    current = "annotated.xlsx"
    try:
        # The annotated copy goes first so the Summary sheet can say whether it exists.
        note = write_annotated(
            result,
            tables,
            work / ANNOTATED_XLSX,
            max_rows=annotated_max_rows,
            max_cells=annotated_max_cells,
            clear_secrets=annotated_clear_secrets,
        )
        if note:
            files.notes.append(note)
        else:
            files.annotated = folder / ANNOTATED_XLSX
        files.notes.extend(overflow_notes(tables))
        # report.xlsx and the three CSVs are renamed together, and only once all four are
        # whole: a reader never meets a new workbook beside an old CSV or a missing one.
        current = "report.xlsx and the CSV files"
        with (
            atomic_path(work / REPORT_XLSX) as xlsx,
            atomic_path(work / NUMBERS_CSV) as numbers_csv,
            atomic_path(work / ORDERS_CSV) as orders_csv,
            atomic_path(work / ISSUES_CSV) as issues_csv,
        ):
            write_report_files(
                xlsx,
                (numbers_csv, orders_csv, issues_csv),
                tables,
                summary_rows(result, tables, files.notes),
            )
        # summary.json last: when it exists, every other file of the run is complete.
        current = "summary.json"
        write_json(work / SUMMARY_JSON, summary_dict(result, files=files, tables=tables))
    except ReportError:
        raise
    except Exception as exc:
        raise ReportError(
            f"could not write {current} in {folder}: {exc}",
            hint="check the disk space and permissions of the report folder",
        ) from exc
    return files
