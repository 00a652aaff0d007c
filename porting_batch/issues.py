"""Row-level problems: each names the sheet, row, column, value and the fix."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Errors leave the row out of the run; warnings do not."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Issue:
    """One problem found in the input or mapped back from an API answer.

    ``row`` is the spreadsheet's own row number (as the operator sees it, header = 1),
    ``column`` the canonical column name and ``column_letter`` the letter in the operator's
    sheet. File-level issues have ``row`` 0 and no column.
    """

    severity: Severity
    message: str
    hint: str = ""
    sheet: str = ""
    row: int = 0
    column: str = ""
    column_letter: str = ""
    value: str = ""
    code: str = ""
    source: str = "intake"  # "intake", "portability", "api", "ledger"
    #: The other rows of the sheet the issue concerns: a value an account's rows share is
    #: reported once, on one cell, and an error keeps every one of these rows out too.
    rows: tuple[int, ...] = ()

    @property
    def cell(self) -> str:
        """The cell as Excel names it, for example ``Numbers!H14``; empty when there is none."""
        if not self.row or not self.column_letter:
            return f"{self.sheet}!{self.row}:{self.row}" if self.row and self.sheet else ""
        prefix = f"{self.sheet}!" if self.sheet else ""
        return f"{prefix}{self.column_letter}{self.row}"

    @property
    def is_error(self) -> bool:
        """Whether this issue keeps its row out of the run."""
        return self.severity is Severity.ERROR

    def describe(self) -> str:
        """One readable line: where, what, and how to fix it."""
        where = self.cell or self.sheet
        column = f" ({self.column})" if self.column else ""
        value = f": {self.value!r}" if self.value else ""
        fix = f"; {self.hint}" if self.hint else ""
        lead = f"{where}{column}{value}: " if where else ""
        return f"{lead}{self.message}{fix}"
