"""The chosen sheet as cells, before any header is looked for."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from porting_batch.issues import Issue


@dataclass
class Grid:
    """The chosen sheet as cells, plus what the XML says that calamine does not."""

    sheet: str
    rows: list[list[Any]]
    #: (0-based row, 0-based column) -> why the cell has no usable value (formula problems)
    bad_cells: dict[tuple[int, int], str] = field(default_factory=dict)
    text_only: bool = False  # every cell is already a str (CSV)
    notes: list[Issue] = field(default_factory=list)  # file-level warnings
