"""What reading a batch gives: its rows, as typed and as normalised, and the whole intake."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from porting_batch.cells import column_index
from porting_batch.issues import Issue


@dataclass
class InputRow:
    """One data row of the operator's sheet, as typed and as normalised.

    ``values`` holds every canonical column ("" when empty or absent), trimmed, and in one
    form per kind: phone columns in E.164 (``phone_number`` keeps the typed text when it is a
    range; ``phone_numbers`` has the expansion), choices lower-case, ``enable_messaging``
    "true"/"false", ``country``/``country_code`` upper-case (``country`` taken from the number
    when empty), US/CA states upper-case, Canadian postal codes as "A1A 1A1",
    ``requested_foc`` as "YYYY-MM-DDTHH:MM:SSZ", ``invoice_date`` as "YYYY-MM-DD", tags
    comma-separated, ``customer_type`` "business" when empty, and ``loa_file``/``invoice_file``
    as the checked document's path relative to the spreadsheet's folder, with '/' separators
    ("loa-acme.pdf", "docs/loa.pdf"). A value that failed its rule stays as typed.
    """

    sheet: str
    row: int
    raw: dict[str, str]
    values: dict[str, str]
    phone_numbers: list[str] = field(default_factory=list)
    requested_foc: datetime | None = None
    invoice_date: date | None = None
    errors: bool = False
    letters: Mapping[str, str] = field(default_factory=dict, repr=False)

    def letter(self, column: str) -> str:
        """The operator's column letter for a canonical column ("" if the sheet lacks it)."""
        return self.letters.get(column, "")

    def header(self, column: str) -> str:
        """The operator's own header text of a canonical column ("" if the sheet lacks it)."""
        letter = self.letter(column)
        if not letter:
            return ""
        index = column_index(letter)
        headers = list(self.raw)
        return headers[index] if index < len(headers) else ""


@dataclass
class Intake:
    """A whole spreadsheet read: its rows, where its columns are, and every issue found."""

    path: Path
    sheet: str
    content_hash: str
    headers: list[str]
    columns: dict[str, str]
    unknown_columns: list[str]
    rows: list[InputRow]
    issues: list[Issue]

    @property
    def valid_rows(self) -> list[InputRow]:
        """The rows no error keeps out of the run."""
        return [row for row in self.rows if not row.errors]
