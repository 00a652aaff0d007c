"""What a run comes to in a few lines: summary.json, the Summary sheet and Markdown artifacts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from porting_batch.issues import Severity
from porting_batch.outcomes import Outcome
from porting_batch.reports.files import ReportFiles
from porting_batch.reports.tables import Cell, Tables, outcome_counts, utc_naive
from porting_batch.results import BatchResult
from porting_batch.safety import safe_text

SUMMARY_VERSION = 1
CHECKED_TEXT = (
    "Checked: the file was validated only, nothing was sent. Rows without errors would be "
    "checked for portability and put in draft orders by `porting-batch run`; fix the rows "
    "in Issues first."
)
FIRST_ERRORS = 10
#: What to do about a file that could not be read: running it again as it is changes nothing.
_NEXT_STEP_REFUSED = "Nothing was sent: fix the file, then run it again."

_SECRET_SETTING_WORDS = ("key", "secret", "token", "password", "passcode", "pin")
_HARMLESS_SETTING_VALUES = {"set", "not set", "", None}


def run_status(result: BatchResult) -> str:
    """``complete``, ``incomplete``, or ``checked`` for a validate-only run."""
    if result.validate_only and result.complete:
        return "checked"
    return "complete" if result.complete else "incomplete"


def run_mode(result: BatchResult) -> str:
    """``validate`` (checked only), ``dry_run`` (nothing sent), ``confirm`` (orders submitted)
    or ``draft``."""
    if result.validate_only:
        return "validate"
    if result.dry_run:
        return "dry_run"
    return "confirm" if result.confirm else "draft"


_MODE_TEXT = {
    "validate": "validate only: the file was checked; nothing was planned or sent to Telnyx",
    "dry_run": "dry run: nothing was sent to Telnyx",
    "draft": "draft orders: created but not submitted",
    "confirm": "confirm: orders submitted to Telnyx",
}


def public_settings(settings: dict[str, object]) -> dict[str, object]:
    """The run's settings fit for a report: anything named like a secret shows only if it is set."""
    shown: dict[str, object] = {}
    for key, value in settings.items():
        if any(word in key.casefold() for word in _SECRET_SETTING_WORDS) and (
            value not in _HARMLESS_SETTING_VALUES
        ):
            shown[key] = "set (hidden)"
        elif isinstance(value, dict):
            shown[key] = public_settings(value)
        elif value is None or isinstance(value, bool | int | float | str):
            shown[key] = safe_text(value) if isinstance(value, str) else value
        else:
            shown[key] = safe_text(str(value))
    return shown


def summary_dict(
    result: BatchResult,
    *,
    files: ReportFiles | None = None,
    tables: Tables | None = None,
) -> dict[str, Any]:
    """What summary.json holds: status, counts by outcome and status, first errors, settings."""
    tables = tables or Tables(result)
    issues_by_severity = {severity.value: 0 for severity in Severity}
    for issue in result.issues:
        issues_by_severity[issue.severity.value] += 1
    first_errors = [tables.describe_issue(i) for i in result.issues if i.is_error][:FIRST_ERRORS]
    data: dict[str, Any] = {
        "summary_version": SUMMARY_VERSION,
        "batch_id": result.batch_id,
        "name": result.name,
        "status": run_status(result),
        "complete": result.complete,
        "failure": tables.scrub_any(result.failure),
        "mode": run_mode(result),
        "input": {"path": str(result.input_path), "sha256": result.content_hash},
        "started_at": _iso(result.started_at),
        "finished_at": _iso(result.finished_at),
        "duration_s": _duration(result),
        "input_rows": tables.input_rows,
        "numbers": len(result.numbers),
        "orders": len(result.orders),
        "outcomes": outcome_counts(result),
        "orders_by_status": result.orders_by_status(),
        "issues": issues_by_severity,
        "first_errors": first_errors,
        "settings": public_settings(result.settings),
    }
    if files is not None:
        data["folder"] = str(files.folder)
        data["files"] = {
            "report": files.xlsx.name,
            "numbers_csv": files.numbers_csv.name,
            "orders_csv": files.orders_csv.name,
            "issues_csv": files.issues_csv.name,
            "summary_json": files.summary_json.name,
            "annotated": files.annotated.name if files.annotated else None,
        }
        data["notes"] = list(files.notes)
    return data


def summary_rows(
    result: BatchResult, tables: Tables, notes: Sequence[str] = ()
) -> list[tuple[str, Sequence[Cell]]]:
    """The Summary sheet, as (style, cells) rows for the workbook writer."""
    rows: list[tuple[str, Sequence[Cell]]] = [
        ("title", [f"porting-batch report: {safe_text(result.name)}"]),
    ]
    if result.validate_only and result.complete:
        rows.append(("complete", ["Status", CHECKED_TEXT]))
    elif result.complete:
        rows.append(("complete", ["Status", "Complete: every row reached its outcome."]))
    else:
        failure = tables.scrub_any(result.failure) or "the run stopped before the end"
        rows.append(
            (
                "incomplete",
                [
                    "Status",
                    f"INCOMPLETE: {failure}. {_NEXT_STEP_REFUSED}"
                    if result.file_refused
                    else f"INCOMPLETE: {failure}. Rows show how far each got; "
                    "'not_processed' rows were not reached. Run the file again.",
                ],
            )
        )
    rows += [
        ("", ["Batch", result.name]),
        ("", ["Batch id", result.batch_id]),
        ("", ["Mode", _MODE_TEXT[run_mode(result)]]),
        ("", ["Input file", str(result.input_path)]),
        ("", ["Input file SHA-256", result.content_hash]),
        ("", ["Started (UTC)", utc_naive(result.started_at)]),
        ("", ["Finished (UTC)", utc_naive(result.finished_at)]),
        ("", ["Duration (s)", _duration(result)]),
        ("", ["Input rows", tables.input_rows]),
        ("", ["Numbers", len(result.numbers)]),
        ("", ["Orders", len(result.orders)]),
        ("", ["Errors", sum(1 for issue in result.issues if issue.is_error)]),
        ("", ["Warnings", sum(1 for issue in result.issues if not issue.is_error)]),
    ]
    rows.extend(("", ["Note", note]) for note in notes)
    rows += [
        ("", []),
        ("section", ["Numbers by outcome"]),
        ("header", ["Outcome", "Numbers", "Meaning"]),
    ]
    counts = outcome_counts(result)
    rows.extend(
        ("outcome", [outcome.value, counts[outcome.value], outcome.description])
        for outcome in Outcome
    )
    rows += [("", []), ("section", ["Orders by status"]), ("header", ["Status", "Orders"])]
    rows.extend(("", [status, count]) for status, count in result.orders_by_status().items())
    if not result.orders:
        rows.append(("", ["(no orders)", 0]))
    rows += [("", []), ("section", ["Settings"]), ("header", ["Setting", "Value"])]
    for key, value in public_settings(result.settings).items():
        rows.append(("", [key, _setting_text(value)]))
    return rows


def summary_markdown(
    result: BatchResult, files: ReportFiles | None = None, *, tables: Tables | None = None
) -> str:
    """A Markdown page: status, counts by outcome, orders by status, first errors, the files."""
    tables = tables or Tables(result)
    status = "complete" if result.complete else "**INCOMPLETE**"
    if result.validate_only and result.complete:
        status = "checked (validate only)"
    lines = [
        f"# Porting batch {_md(result.name)}: {status}",
        "",
        f"- Batch id: `{_md(result.batch_id)}`",
        f"- Mode: {_MODE_TEXT[run_mode(result)]}",
        f"- Input: `{_md(str(result.input_path))}` (SHA-256 `{_md(result.content_hash)}`)",
        f"- Started: {_iso(result.started_at)}; "
        f"finished: {_iso(result.finished_at) or 'not finished'}",
        f"- {_count(tables.input_rows, 'input row')}, {_count(len(result.numbers), 'number')}, "
        f"{_count(len(result.orders), 'order')}",
    ]
    if result.validate_only and result.complete:
        lines += ["", f"> {CHECKED_TEXT}"]
    elif not result.complete:
        failure = tables.scrub_any(result.failure) or "the run stopped before the end"
        again = _NEXT_STEP_REFUSED if result.file_refused else "Run the file again."
        lines += ["", f"> **The run did not finish:** {_md(failure)}. {again}"]
    lines += ["", "## Numbers by outcome", "", "| Outcome | Numbers | Meaning |", "|---|---:|---|"]
    for outcome, count in result.counts_by_outcome().items():
        lines.append(f"| {outcome} | {count} | {_md(Outcome(outcome).description)} |")
    if not result.numbers:
        lines.append("| (none) | 0 | |")
    lines += ["", "## Orders by status", "", "| Status | Orders |", "|---|---:|"]
    for order_status, count in result.orders_by_status().items():
        lines.append(f"| {_md(order_status)} | {count} |")
    if not result.orders:
        lines.append("| (none) | 0 |")
    errors = [issue for issue in result.issues if issue.is_error]
    if errors:
        lines += ["", f"## First errors ({min(len(errors), FIRST_ERRORS)} of {len(errors)})", ""]
        lines.extend(f"- {_md(tables.describe_issue(issue))}" for issue in errors[:FIRST_ERRORS])
    if files is not None:
        lines += ["", "## Files", "", f"Folder: `{_md(str(files.folder))}`", ""]
        lines.extend(f"- `{path.name}`" for path in files.all_paths())
        lines.extend(f"- {_md(note)}" for note in files.notes)
    return "\n".join(lines) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _duration(result: BatchResult) -> float | None:
    if result.finished_at is None:
        return None
    start, end = result.started_at, result.finished_at
    if (start.tzinfo is None) != (end.tzinfo is None):
        start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    return round((end - start).total_seconds(), 3)


def _setting_text(value: object) -> Cell:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | str) or value is None:
        return value
    return safe_text(str(value))


def _md(text: str) -> str:
    # Keep table cells on one line and stop a value from closing a code span or a table cell.
    return (
        safe_text(text).replace("\r", " ").replace("\n", " ").replace("|", "\\|").replace("`", "'")
    )
