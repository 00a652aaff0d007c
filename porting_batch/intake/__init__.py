"""Reading a batch spreadsheet (XLSX or CSV) into normalised, validated rows.

File-level problems (not a spreadsheet, empty, password-protected, too large, required columns
missing) raise ``IntakeError`` with one clear message. Row-level problems become ``Issue`` values;
no row is ever dropped (fully blank rows excepted).

The kinds read are :data:`SPREADSHEET_SUFFIXES`, the one list the inbox and folder runs use
too. A workbook passes the package checks (:mod:`.source`: unpacked size) and the sheet checks
(:mod:`.extent`: claimed and real extent) before calamine reads it, and calamine reads it in a
child process with a memory limit (:mod:`.reader`), so a hostile file is one IntakeError, never
a dead process. The formula scan (:mod:`.formulas`) parses the sheet's XML alongside.
"""

from __future__ import annotations

from porting_batch.cells import column_letter
from porting_batch.intake.read import read_batch, second_pass
from porting_batch.intake.rows import InputRow, Intake
from porting_batch.intake.source import SPREADSHEET_SUFFIXES, is_spreadsheet

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "InputRow",
    "Intake",
    "column_letter",
    "is_spreadsheet",
    "read_batch",
    "second_pass",
]
