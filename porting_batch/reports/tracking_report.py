"""The tracking report: where every order of every batch stands, and what the operator must do.

``write_tracking_report`` writes ``tracking_report.xlsx`` (sheets ``Needs action``, ``Orders``,
``Changes``, ``Summary``) and ``needs_action.csv`` (the first sheet as CSV) into a folder, both
renamed into place together, with the run report's conventions: frozen header, filters, real
date-times, text that never turns into a formula, and PINs and account numbers masked. The
columns are listed in ``docs/reports.md`` (Tracking report).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from porting_batch.cells import column_letter
from porting_batch.deadlines import DeadlineWarning
from porting_batch.errors import ReportError
from porting_batch.files import atomic_path
from porting_batch.remedies import SECRETS, ExceptionDetail, Remedy, SheetRow
from porting_batch.reports.files import CSV_ENCODING, csv_row, remove_stale_temps
from porting_batch.reports.tables import Cell, Col, scrub, utc_naive
from porting_batch.reports.workbook import (
    ATTENTION,
    DATETIME,
    HEADER,
    LABEL,
    SECTION,
    TITLE,
    WRAP,
)
from porting_batch.reports.xlsx import Style, XlsxWriter
from porting_batch.safety import csv_safe, safe_text

__all__ = [
    "CHANGES_COLUMNS",
    "NEEDS_ACTION_COLUMNS",
    "ORDERS_COLUMNS",
    "TrackedOrder",
    "TrackingReportFiles",
    "write_tracking_report",
]

TRACKING_XLSX = "tracking_report.xlsx"
NEEDS_ACTION_CSV = "needs_action.csv"


@dataclass
class TrackedOrder:
    """One order as the tracking report shows it (plain values; the tracker fills them).

    ``changes`` are lines saying what moved since the last look ("status submitted ->
    exception", "FOC moved to ..."); ``remedies`` come from :func:`porting_batch.remedies.
    remedy_for`, ``warnings`` from :func:`porting_batch.deadlines.deadline_warnings`; ``rows``
    are the order's input rows (their secrets are masked in any text that quotes them).
    """

    batch_id: str
    order_id: str
    status: str
    customer_reference: str = ""
    support_key: str = ""
    foc_requested: datetime | None = None
    foc_confirmed: datetime | None = None
    changes: list[str] = field(default_factory=list)
    exception_details: list[ExceptionDetail] = field(default_factory=list)
    remedies: list[Remedy] = field(default_factory=list)
    warnings: list[DeadlineWarning] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)

    @property
    def needs_action(self) -> bool:
        """Whether the operator must do something: a remedy, a deadline, or an exception."""
        return bool(self.remedies or self.warnings or self.status == "exception")


@dataclass(frozen=True)
class TrackingReportFiles:
    """Where the tracking report's files are."""

    folder: Path
    xlsx: Path
    needs_action_csv: Path


NEEDS_ACTION_COLUMNS: tuple[Col, ...] = (
    Col("Batch id", 24),
    Col("Order id", 38),
    Col("Customer reference", 24),
    Col("Status", 16),
    Col("What to do", 70, "attention"),
    Col("Input cell", 18),
    Col("Current value", 24),
    Col("Carrier's value", 24),
    Col("Code", 26),
    Col("Due (UTC)", 17, "datetime"),
    Col("Support key", 16),
)
ORDERS_COLUMNS: tuple[Col, ...] = (
    Col("Batch id", 24),
    Col("Order id", 38),
    Col("Customer reference", 24),
    Col("Status", 16),
    Col("FOC requested (UTC)", 17, "datetime"),
    Col("FOC confirmed (UTC)", 17, "datetime"),
    Col("Input rows", 18),
    Col("Exception codes", 30),
    Col("Changed since last look", 48, "wrap"),
    Col("Needs action", 60, "attention"),
    Col("Support key", 16),
)
CHANGES_COLUMNS: tuple[Col, ...] = (
    Col("Batch id", 24),
    Col("Order id", 38),
    Col("Customer reference", 24),
    Col("Status", 16),
    Col("Change", 70, "wrap"),
)
_NO_DETAILS = (
    "the order is in exception with no details: read its comments in the Telnyx portal, "
    "answer there, and contact Telnyx support if unclear"
)


def write_tracking_report(
    tracked: Sequence[TrackedOrder], folder: Path, now: datetime
) -> TrackingReportFiles:
    """Write the tracking report of ``tracked`` into ``folder`` as of ``now``; return its files.

    Both files are written under temporary names and renamed together once whole; a failure
    raises :class:`ReportError` and leaves any earlier report as it was.
    """
    folder = Path(folder)
    files = TrackingReportFiles(folder, folder / TRACKING_XLSX, folder / NEEDS_ACTION_CSV)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(folder)
        with atomic_path(files.xlsx) as xlsx, atomic_path(files.needs_action_csv) as csv_path:
            _write(tracked, xlsx, csv_path, now)
    except OSError as exc:
        raise ReportError(
            f"could not write the tracking report in {folder}: {exc.strerror or exc}",
            hint="check the disk space and permissions of the report folder",
        ) from exc
    return files


def _write(tracked: Sequence[TrackedOrder], xlsx: Path, csv_path: Path, now: datetime) -> None:
    # Every row's secrets scrub every order's text: orders of one account share them, and a
    # carrier's comment on one order may quote another's account number.
    secrets = {secret for order in tracked for secret in _secrets(order.rows)}
    texts = [_Scrubbed(order, secrets) for order in tracked]
    with XlsxWriter(xlsx) as book:
        with csv_path.open("w", encoding=CSV_ENCODING, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([csv_safe(column.header) for column in NEEDS_ACTION_COLUMNS])
            rows = (row for text in texts for row in text.action_rows())
            _table(book, "Needs action", NEEDS_ACTION_COLUMNS, rows, writer.writerow)
        _table(book, "Orders", ORDERS_COLUMNS, (text.order_row() for text in texts))
        changes = (row for text in texts for row in text.change_rows())
        _table(book, "Changes", CHANGES_COLUMNS, changes)
        with book.sheet("Summary", widths=(30, 16, 16)) as sheet:
            for style, cells in _summary(tracked, now):
                # A header row is styled across; elsewhere only the label cell.
                spread = len(cells) if style is HEADER else 1
                sheet.add_row(cells, [style] * spread + [None] * (len(cells) - spread))


def _secrets(rows: Iterable[SheetRow]) -> set[str]:
    """The clear PINs and account numbers of ``rows``, as typed and as normalised."""
    return {
        value.strip()
        for row in rows
        for column in SECRETS
        for value in (row.values.get(column, ""), row.raw.get(row.header(column), ""))
        if value and value.strip()
    }


class _Scrubbed:
    """One order's cells, free text scrubbed of the batch's secrets."""

    def __init__(self, order: TrackedOrder, secrets: set[str]) -> None:
        self.order = order
        self._secrets = secrets

    def text(self, value: str) -> str:
        return scrub(value, self._secrets)

    def _head(self) -> list[Cell]:
        order = self.order
        return [
            safe_text(order.batch_id),
            safe_text(order.order_id),
            self.text(order.customer_reference),
            safe_text(order.status),
        ]

    def action_rows(self) -> Iterable[list[Cell]]:
        order = self.order
        if not order.needs_action:
            return
        head, key = self._head(), safe_text(order.support_key)
        for remedy in order.remedies:
            yield [
                *head,
                self.text(remedy.action),
                ", ".join(remedy.cells),
                self.text(remedy.current),
                self.text(remedy.carrier_value),
                safe_text(remedy.code),
                None,
                key,
            ]
        for warning in order.warnings:
            due = utc_naive(warning.due)
            yield [*head, self.text(warning.message), "", "", "", warning.kind, due, key]
        if order.status == "exception" and not order.remedies:
            yield [*head, _NO_DETAILS, "", "", "", "", None, key]

    def order_row(self) -> list[Cell]:
        order = self.order
        actions = [remedy.action for remedy in order.remedies]
        actions += [warning.message for warning in order.warnings]
        if order.status == "exception" and not order.remedies:
            actions.append(_NO_DETAILS)
        codes = dict.fromkeys(d.code for d in order.exception_details)
        codes.update(dict.fromkeys(r.code for r in order.remedies))
        return [
            *self._head(),
            utc_naive(order.foc_requested),
            utc_naive(order.foc_confirmed),
            input_rows(order.rows),
            safe_text(", ".join(codes)),
            self.text("\n".join(order.changes)),
            self.text("\n".join(actions)),
            safe_text(order.support_key),
        ]

    def change_rows(self) -> Iterable[list[Cell]]:
        for change in self.order.changes:
            yield [*self._head(), self.text(change)]


def input_rows(rows: Sequence[SheetRow]) -> str:
    """The rows of the operator's file, consecutive ones as a range: ``Numbers!12:14``."""
    spans: list[tuple[str, int, int]] = []
    for row in sorted(rows, key=lambda r: (r.sheet, r.row)):
        if spans and spans[-1][0] == row.sheet and row.row <= spans[-1][2] + 1:
            spans[-1] = (row.sheet, spans[-1][1], row.row)
        else:
            spans.append((row.sheet, row.row, row.row))
    return ", ".join(f"{sheet}!{first}:{last}" for sheet, first, last in spans)


_STYLES: dict[str, Style] = {"datetime": DATETIME, "attention": ATTENTION, "wrap": WRAP}


def _table(
    book: XlsxWriter,
    name: str,
    columns: Sequence[Col],
    rows: Iterable[Sequence[Cell]],
    also: Callable[[list[str | int | float]], object] | None = None,
) -> None:
    """A sheet with a frozen, filtered header; each row also goes to ``also`` (a CSV writer)."""
    styles = [_STYLES.get(column.kind) for column in columns]
    widths = [column.width for column in columns]
    with book.sheet(name, widths=widths, freeze_header=True, title_rows=1) as sheet:
        sheet.add_row([column.header for column in columns], [HEADER] * len(columns), height=30)
        ids = [book.style_id(style) for style in styles]
        for cells in rows:
            sheet.add_fast_row(cells, ids)
            if also is not None:
                also(csv_row(cells))
        last = max(sheet.rows_written, 2)
        sheet.filter_ref = f"A1:{column_letter(len(columns) - 1)}{last}"


def _summary(
    tracked: Sequence[TrackedOrder], now: datetime
) -> list[tuple[Style | None, list[Cell]]]:
    by_status: dict[str, int] = {}
    by_batch: dict[str, list[int]] = {}
    for order in tracked:
        by_status[order.status] = by_status.get(order.status, 0) + 1
        counts = by_batch.setdefault(order.batch_id, [0, 0])
        counts[0] += 1
        counts[1] += order.needs_action
    rows: list[tuple[Style | None, list[Cell]]] = [
        (TITLE, ["porting-batch tracking report"]),
        (LABEL, ["Written (UTC)", utc_naive(now)]),
        (LABEL, ["Orders", len(tracked)]),
        (LABEL, ["Orders needing action", sum(o.needs_action for o in tracked)]),
        (LABEL, ["Changes since last look", sum(len(o.changes) for o in tracked)]),
        (None, []),
        (SECTION, ["Orders by status"]),
        (HEADER, ["Status", "Orders"]),
    ]
    rows += [(None, [safe_text(status), count]) for status, count in sorted(by_status.items())]
    rows += [(None, []), (SECTION, ["Batches"]), (HEADER, ["Batch id", "Orders", "Need action"])]
    rows += [(None, [safe_text(batch), n, act]) for batch, (n, act) in by_batch.items()]
    return rows
