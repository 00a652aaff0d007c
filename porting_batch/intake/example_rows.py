"""The template's example row: its first cell starts with EXAMPLE, and the reader skips it."""

from __future__ import annotations

from porting_batch.columns import EXAMPLE_MARK
from porting_batch.intake.table import Table


def is_example(phone_cell: str) -> bool:
    """Whether a phone_number cell marks the template's example row ("EXAMPLE: +1 312 ...")."""
    return phone_cell[: len(EXAMPLE_MARK)].upper() == EXAMPLE_MARK


def blank_example_rows(table: Table, phone_index: int, first_row_number: int) -> set[int]:
    """Empty the example rows so they read as absent; their sheet row numbers.

    Blanked rather than removed so the blank-row pass numbers every other row as before; the
    caller leaves these numbers out of the interior blank rows it reports.
    """
    texts = table.cleaned[phone_index] if phone_index < len(table.cleaned) else []
    positions = [i for i, text in enumerate(texts) if text and is_example(text)]
    for position in positions:
        for column in (*table.raw, *table.cleaned):
            column[position] = ""
    if positions:
        gone = set(positions)
        table.numeric = {
            index: [p for p in olds if p not in gone] for index, olds in table.numeric.items()
        }
    return {first_row_number + position for position in positions}
