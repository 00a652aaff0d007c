"""How every sheet of the reports prints: like the template, landscape on Letter, one page
wide, as many pages tall as it takes, the header row on every page, and the sheet's name and
page number in the footer.

Letter because the batches come from the US and Canada (the template prints on it too);
Excel and LibreOffice scale to A4 without cutting a column when the printer has no Letter.
"""

from __future__ import annotations

from typing import Any

from openpyxl.worksheet.properties import PageSetupProperties

from porting_batch.reports.xlsx_parts import attr

__all__ = ["FOOTER", "PAPER_LETTER", "page_setup_xml", "set_print_setup"]

#: Excel's paper size code for Letter.
PAPER_LETTER = 1
#: The footer: the sheet's name left, "Page n of m" right (Excel's header/footer codes).
FOOTER = "&L&A&RPage &P of &N"


def page_setup_xml() -> str:
    """The ``<pageSetup>`` and ``<headerFooter>`` of a worksheet part (after ``pageMargins``)."""
    return (
        f'<pageSetup paperSize="{PAPER_LETTER}" orientation="landscape" fitToWidth="1" '
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
