"""Builders for the spreadsheets each intake test writes into its own tmp_path."""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from porting_batch.columns import COLUMN_NAMES
from porting_batch.intake import Intake, read_batch
from porting_batch.settings import Settings

TODAY = date(2026, 11, 26)

#: One clean row: every required column filled, valid for a US business.
GOOD_ROW: dict[str, object] = {
    "phone_number": "+1 312 555 0142",
    "entity_name": "Acme Widgets Inc.",
    "auth_person_name": "Jane Doe",
    "account_number": "ACM-0042",
    "billing_phone_number": "+1 312 555 0142",
    "street_address": "123 N Wacker Dr",
    "locality": "Chicago",
    "administrative_area": "IL",
    "postal_code": "60606",
    "country_code": "US",
    "port_type": "full",
    "loa_file": "loa.pdf",
    "invoice_file": "invoice.pdf",
}

PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def documents(folder: Path) -> None:
    """The LOA and invoice GOOD_ROW names, unless the test already put its own there."""
    for name in ("loa.pdf", "invoice.pdf"):
        if not (folder / name).exists() and not (folder / name).is_symlink():
            (folder / name).write_bytes(PDF)


def good_row(**changes: object) -> dict[str, object]:
    """GOOD_ROW with some cells changed (None removes a cell)."""
    row = {**GOOD_ROW, **changes}
    return {key: value for key, value in row.items() if value is not None}


def write_xlsx(
    path: Path,
    rows: Sequence[Mapping[str, object]],
    headers: Sequence[str] | None = None,
    sheet: str = "Numbers",
) -> Path:
    """An XLSX written by openpyxl: cells keep their Python types (str, float, date...)."""
    headers = list(headers or COLUMN_NAMES)
    documents(path.parent)
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append([row.get(header) for header in headers])
    workbook.save(path)
    return path


def write_csv(
    path: Path,
    rows: Sequence[Mapping[str, object]],
    headers: Sequence[str] | None = None,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> Path:
    """A CSV with the given delimiter and encoding."""
    headers = list(headers or COLUMN_NAMES)
    documents(path.parent)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return path


Reader = Callable[..., Intake]


@pytest.fixture
def read() -> Reader:
    """read_batch with default settings and a fixed today."""

    def _read(path: Path, **settings: object) -> Intake:
        return read_batch(path, Settings(**settings), today=TODAY)  # type: ignore[arg-type]

    return _read


def codes(intake: Intake, row: int | None = None) -> list[str]:
    """The issue codes of a row (or of the whole file)."""
    return [i.code for i in intake.issues if row is None or i.row == row]
