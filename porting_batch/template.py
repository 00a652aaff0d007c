"""The input template: an XLSX workbook (Numbers + Instructions) or a CSV with the same columns.

The workbook's sheets are written by :mod:`.template_numbers` (and the checks of
:mod:`.template_validations`) and :mod:`.template_instructions`.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

import xlsxwriter

from porting_batch.columns import COLUMN_BY_NAME, COLUMN_NAMES, COLUMN_TITLES
from porting_batch.errors import IntakeError
from porting_batch.files import atomic_path
from porting_batch.template_instructions import VERSION_NAME, instructions_sheet
from porting_batch.template_numbers import (
    EXAMPLE_BLANKS,
    FORMATTED_ROWS,
    example_phone,
    lists_sheet,
    numbers_sheet,
)

__all__ = ["FORMATTED_ROWS", "VERSION_NAME", "example_row", "write_batch", "write_template"]


def write_template(path: Path, *, overwrite: bool = False) -> Path:
    """Write an empty template to ``path``: XLSX or CSV, chosen by the file's extension.

    An existing file is never replaced unless ``overwrite``: it may hold an operator's rows.
    The template has one greyed example row, which the reader skips.
    """
    return write_batch(path, [], overwrite=overwrite, example=True)


def example_row() -> dict[str, str]:
    """The example row's cells by canonical column, as the CSV template writes them."""
    row = {name: COLUMN_BY_NAME[name].example for name in COLUMN_NAMES}
    row.update(dict.fromkeys(EXAMPLE_BLANKS, ""))
    row[COLUMN_NAMES[0]] = example_phone()
    return row


def write_batch(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    *,
    created: datetime | None = None,
    overwrite: bool = True,
    example: bool = False,
    api_headers: bool = False,
) -> Path:
    """Write the template filled with ``rows`` (canonical column -> text), XLSX or CSV.

    ``created`` fixes the workbook's creation time, so a generated file is byte-for-byte
    reproducible. With ``overwrite`` False an existing file is refused (``IntakeError``).
    With ``example`` the example row (which the reader skips) comes first; with
    ``api_headers`` the headers are the API names (entity_name...) the reader also accepts.

    The file is written next to its final name and renamed into place, so a failure never
    leaves half a file behind.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".xlsx", ".csv"}:
        raise IntakeError(
            f"{path.name}: the template can be written as .xlsx or .csv, not '{suffix}'",
            file=str(path),
            hint="give a file name ending in .xlsx or .csv",
        )
    if not overwrite and path.exists():
        raise IntakeError(
            f"{path}: already exists; it was left as it is",
            file=str(path),
            hint="give a new file name, or add --force to replace it",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as partial:
        if suffix == ".csv":
            _write_csv(partial, [example_row(), *rows] if example else rows, api_headers)
        else:
            _write_xlsx(partial, rows, created, example, api_headers)
        if not overwrite:
            # link() fails if the name appeared meanwhile: no race replaces an operator's file.
            # Once linked, atomic_path's rename of one link onto the other changes nothing.
            try:
                os.link(partial, path)
            except FileExistsError:
                raise IntakeError(
                    f"{path}: already exists; it was left as it is",
                    file=str(path),
                    hint="give a new file name, or add --force to replace it",
                ) from None
    return path


def _write_csv(path: Path, rows: Iterable[Mapping[str, str]], api_headers: bool) -> None:
    # utf-8-sig: Excel only reads non-ASCII names correctly from a CSV that starts with a BOM
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMN_NAMES if api_headers else COLUMN_TITLES)
        for row in rows:
            writer.writerow([row.get(name, "") for name in COLUMN_NAMES])


def _write_xlsx(
    path: Path,
    rows: Iterable[Mapping[str, str]],
    created: datetime | None,
    example: bool,
    api_headers: bool,
) -> None:
    workbook = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    workbook.set_properties({"title": "Telnyx bulk porting", "created": created or datetime.now()})
    try:
        numbers_sheet(workbook, rows, example=example, api_headers=api_headers)
        instructions_sheet(workbook)
        lists_sheet(workbook)
    finally:
        workbook.close()
