"""Issues the sheet itself raises before any rule runs: unknown columns, blank rows, number
cells in text columns, and formula cells without a value."""

from __future__ import annotations

from collections.abc import Mapping

from porting_batch import validation
from porting_batch.cells import column_letter
from porting_batch.columns import IDENTIFIER_COLUMNS
from porting_batch.intake.headers import name_at
from porting_batch.intake.table import Table
from porting_batch.issues import Issue, Severity


def unknown_column_issues(
    sheet: str, header_row: int, headers: list[str], unknown: list[str]
) -> list[Issue]:
    """One warning per header that names no template column (the column is kept)."""
    return [
        Issue(
            Severity.WARNING,
            f"column '{header}' is not a template column; it is kept in the report but not used",
            hint="rename it to a template column name if it was meant as one",
            sheet=sheet,
            row=header_row,
            column_letter=column_letter(headers.index(header)),
            value=header,
            code="unknown_column",
        )
        for header in unknown
    ]


def blank_row_issues(sheet: str, blank_interior: list[int]) -> list[Issue]:
    """One warning for all the blank rows skipped between data rows."""
    if not blank_interior:
        return []
    return [
        Issue(
            Severity.WARNING,
            f"{len(blank_interior)} blank row(s) skipped: " + validation.row_list(blank_interior),
            hint="nothing to do; blank rows carry no numbers",
            sheet=sheet,
            row=blank_interior[0],
            code="blank_row",
        )
    ]


def numeric_cell_issues(
    sheet: str, table: Table, mapping: Mapping[str, int], letters: Mapping[str, str]
) -> list[Issue]:
    """Cells of text columns (phones, identifiers, postal codes) that Excel stored as numbers."""
    issues: list[Issue] = []
    for index, positions in table.numeric.items():
        name = name_at(mapping, index)
        if name not in IDENTIFIER_COLUMNS:
            continue
        cleaned = table.cleaned[index]
        issues.extend(
            validation.numeric_cell_issue(
                sheet, table.row_numbers[position], name, letters[name], cleaned[position]
            )
            for position in positions
        )
    return issues


def formula_issues(
    sheet: str,
    bad_cells: Mapping[tuple[int, int], str],
    mapping: Mapping[str, int],
    row_numbers: list[int],
) -> list[Issue]:
    """One error per formula cell without a usable value, in the data rows kept."""
    kept = set(row_numbers)
    return [
        Issue(
            Severity.ERROR,
            why,
            hint="open the file in Excel, let it calculate and save it, or type the value",
            sheet=sheet,
            row=row_index + 1,
            column=name_at(mapping, col_index),
            column_letter=column_letter(col_index),
            code="formula_without_value",
        )
        for (row_index, col_index), why in sorted(bad_cells.items())
        if row_index + 1 in kept
    ]
