"""How every sheet of the reports prints: like the template, landscape on Letter, fit to the
page's width, as many pages tall as it takes, the header row on every page, and the sheet's
name and page number in the footer.

Letter because the batches come from the US and Canada (the template prints on it too).
A report sheet wider than :data:`PAGE_WIDTH` characters of column width is fitted to several
pages' width instead of one: the Numbers sheet of the sample has 52 columns, which on one
page come out at a tenth of their size (LibreOffice's floor), unreadable. Its frozen columns
(input sheet, row, phone number) repeat on the left of each page, so every page names its rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from openpyxl.worksheet.properties import PageSetupProperties

from porting_batch.reports.xlsx_parts import attr

__all__ = [
    "FOOTER",
    "PAGE_WIDTH",
    "PAPER_LETTER",
    "page_setup_xml",
    "pages_wide",
    "set_print_setup",
]

#: Excel's paper size code for Letter.
PAPER_LETTER = 1
#: The footer: the sheet's name left, "Page n of m" right (Excel's header/footer codes).
FOOTER = "&L&A&RPage &P of &N"
#: Column width (Excel's unit, about one character) one landscape Letter page takes while the
#: text stays readable: 137 fit at full size, so this prints at 55% or larger.
PAGE_WIDTH = 250


def pages_wide(widths: Sequence[float], repeated: int = 0) -> int:
    """How many pages wide a sheet of these column widths prints; the first ``repeated``
    columns are printed again on each page."""
    total = sum(widths)
    if total <= PAGE_WIDTH:
        return 1
    again = sum(widths[:repeated])
    return max(1, math.ceil((total - again) / max(PAGE_WIDTH - again, 1)))


def page_setup_xml(wide: int = 1) -> str:
    """The ``<pageSetup>`` and ``<headerFooter>`` of a worksheet part (after ``pageMargins``),
    fitted to ``wide`` pages' width."""
    return (
        f'<pageSetup paperSize="{PAPER_LETTER}" orientation="landscape" fitToWidth="{wide}" '
        f'fitToHeight="0"/><headerFooter><oddFooter>{attr(FOOTER)}</oddFooter></headerFooter>'
    )


def set_print_setup(sheet: Any, header_row: int = 0) -> None:
    """The same print set-up on an openpyxl worksheet; ``header_row`` (1-based) repeats on
    every page when given."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = PAPER_LETTER
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.oddFooter.left.text = "&A"
    sheet.oddFooter.right.text = "Page &P of &N"
    if header_row > 0:
        sheet.print_title_rows = f"{header_row}:{header_row}"
