"""The fixed parts of an .xlsx package around its sheets: styles, workbook, relationships.

:mod:`porting_batch.reports.xlsx` streams the sheets; this module words everything else the
package needs once the sheets are known, as plain strings. ``Style`` lives here because
styles.xml is where a style becomes numbers (fonts, fills, borders, formats).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from porting_batch.cells import column_letter

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_TYPE = "application/vnd.openxmlformats-"
_SPREADSHEET_TYPE = _TYPE + "officedocument.spreadsheetml."


@dataclass(frozen=True)
class Style:
    """A cell style: font, fill, number format, alignment. The writer numbers them."""

    bold: bool = False
    size: float = 11
    color: str = ""  # font colour, RRGGBB
    fill: str = ""  # background colour, RRGGBB
    num_fmt: str = ""
    wrap: bool = False
    top: bool = False  # vertical alignment at the top
    border: bool = False
    bottom_border: bool = False
    quote_prefix: bool = False
    text_format: bool = False  # number format "@": Excel keeps typed input as text


DEFAULT = Style()


@dataclass(frozen=True)
class SheetInfo:
    """A finished sheet as the workbook part names it."""

    name: str
    filter_ref: str
    #: How many top rows repeat on every printed page (0: none).
    title_rows: int = 0
    #: How many left columns repeat on every printed page (0: none).
    title_columns: int = 0


def escape(text: str) -> str:
    """Text for an XML element (control characters are the caller's job: see safe_text)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        # XML readers turn a raw CR into LF; a character reference survives.
        text = text.replace("\r", "&#13;")
    return text


def attr(text: str) -> str:
    """Text for an XML attribute value in double quotes."""
    return escape(text).replace('"', "&quot;")


def package_parts(
    sheets: Sequence[SheetInfo], styles: list[Style], now: datetime
) -> dict[str, str]:
    """Every part but the sheets, by name in the zip, for ``sheets`` in their order."""
    n = len(sheets)
    return {
        "xl/workbook.xml": workbook_xml(sheets),
        "xl/_rels/workbook.xml.rels": _workbook_rels(n),
        "xl/styles.xml": styles_xml(styles),
        "[Content_Types].xml": _content_types(n),
        "_rels/.rels": _root_rels(),
        "docProps/core.xml": _core_props(now),
        "docProps/app.xml": (
            f"{XML_HEAD}<Properties xmlns="
            '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>porting-batch</Application></Properties>"
        ),
    }


def workbook_xml(sheets: Sequence[SheetInfo]) -> str:
    """xl/workbook.xml: the sheets in order, the hidden names auto-filters need and the rows
    each sheet repeats on its printed pages."""
    listed = "".join(
        f'<sheet name="{attr(info.name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, info in enumerate(sheets, start=1)
    )
    names = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{attr(_quote_sheet(info.name))}!{_absolute(info.filter_ref)}</definedName>"
        for i, info in enumerate(sheets)
        if info.filter_ref
    )
    names += "".join(
        f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">{_print_titles(info)}'
        "</definedName>"
        for i, info in enumerate(sheets)
        if info.title_rows or info.title_columns
    )
    return (
        f'{XML_HEAD}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><workbookPr/>'
        '<bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{listed}</sheets>"
        + (f"<definedNames>{names}</definedNames>" if names else "")
        + "</workbook>"
    )


def _workbook_rels(n: int) -> str:
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    )
    rels += f'<Relationship Id="rId{n + 1}" Type="{REL_NS}/styles" Target="styles.xml"/>'
    return f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>'


def _content_types(n: int) -> str:
    sheet_types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="{_SPREADSHEET_TYPE}worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    return (
        f"{XML_HEAD}<Types "
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="{_TYPE}package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SPREADSHEET_TYPE}sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_SPREADSHEET_TYPE}styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        f'ContentType="{_TYPE}package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        f'ContentType="{_TYPE}officedocument.extended-properties+xml"/>'
        f"{sheet_types}</Types>"
    )


def _root_rels() -> str:
    return (
        f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        f'<Relationship Id="rId2" Type="{PKG_REL_NS}/metadata/core-properties" '
        'Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{REL_NS}/extended-properties" '
        'Target="docProps/app.xml"/></Relationships>'
    )


def _core_props(now: datetime) -> str:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"{XML_HEAD}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<dc:creator>porting-batch</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _print_titles(info: SheetInfo) -> str:
    """What a sheet repeats on each printed page: 'Numbers'!$A:$C,'Numbers'!$1:$1."""
    sheet = attr(_quote_sheet(info.name))
    parts = []
    if info.title_columns:
        parts.append(f"{sheet}!$A:${column_letter(info.title_columns - 1)}")
    if info.title_rows:
        parts.append(f"{sheet}!$1:${info.title_rows}")
    return ",".join(parts)


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    def one(cell: str) -> str:
        letters = "".join(ch for ch in cell if ch.isalpha())
        return f"${letters}${cell[len(letters) :]}"

    return ":".join(one(part) for part in ref.split(":"))


class _StyleTable:
    """The fonts, fills, borders and number formats of a list of styles, each numbered once."""

    def __init__(self) -> None:
        self.fonts: dict[tuple[bool, float, str], int] = {}
        self.fills: dict[str, int] = {"": 0, "gray125": 1}
        self.borders: dict[tuple[bool, bool], int] = {(False, False): 0}
        self.num_fmts: dict[str, int] = {"": 0, "@": 49}

    def xf(self, style: Style) -> str:
        """The cellXfs entry of ``style``, registering its parts."""
        font_id = self.fonts.setdefault((style.bold, style.size, style.color), len(self.fonts))
        fill_id = self.fills.setdefault(style.fill, len(self.fills)) if style.fill else 0
        border_key = (style.border, style.bottom_border)
        border_id = self.borders.setdefault(border_key, len(self.borders))
        code = "@" if style.text_format else style.num_fmt
        fmt_id = self.num_fmts.setdefault(code, 164 + len(self.num_fmts) - 2)
        attrs = f'numFmtId="{fmt_id}" fontId="{font_id}" fillId="{fill_id}" borderId="{border_id}"'
        attrs += ' xfId="0"'
        for applied, name in (
            (fmt_id, "applyNumberFormat"),
            (font_id, "applyFont"),
            (fill_id, "applyFill"),
            (border_id, "applyBorder"),
            (style.quote_prefix, "quotePrefix"),
        ):
            if applied:
                attrs += f' {name}="1"'
        if style.wrap or style.top:
            align = (' wrapText="1"' if style.wrap else "") + (
                ' vertical="top"' if style.top else ""
            )
            return f'<xf {attrs} applyAlignment="1"><alignment{align}/></xf>'
        return f"<xf {attrs}/>"

    def fonts_xml(self) -> str:
        """The <fonts> element."""
        body = "".join(
            "<font>"
            + ("<b/>" if bold else "")
            + f'<sz val="{size:g}"/>'
            + (f'<color rgb="FF{color}"/>' if color else "")
            + '<name val="Calibri"/><family val="2"/></font>'
            for (bold, size, color) in self.fonts
        )
        return f'<fonts count="{len(self.fonts)}">{body}</fonts>'

    def fills_xml(self) -> str:
        """The <fills> element: the two Excel reserves, then one solid fill per colour."""
        body = '<fill><patternFill patternType="none"/></fill>'
        body += '<fill><patternFill patternType="gray125"/></fill>'
        body += "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{rgb}"/>'
            '<bgColor indexed="64"/></patternFill></fill>'
            for rgb in list(self.fills)[2:]
        )
        return f'<fills count="{len(self.fills)}">{body}</fills>'

    def borders_xml(self) -> str:
        """The <borders> element: none, a thin box, or a thin bottom line."""
        thin = '<{0} style="thin"><color auto="1"/></{0}>'
        body = ""
        for box, bottom in self.borders:
            if box:
                sides = "".join(thin.format(s) for s in ("left", "right", "top", "bottom"))
            elif bottom:
                sides = "<left/><right/><top/>" + thin.format("bottom")
            else:
                sides = "<left/><right/><top/><bottom/>"
            body += f"<border>{sides}<diagonal/></border>"
        return f'<borders count="{len(self.borders)}">{body}</borders>'

    def num_fmts_xml(self) -> str:
        """The <numFmts> element of the custom formats, or nothing when there are none."""
        custom = [(code, fmt_id) for code, fmt_id in self.num_fmts.items() if fmt_id >= 164]
        if not custom:
            return ""
        body = "".join(
            f'<numFmt numFmtId="{fmt_id}" formatCode="{attr(code)}"/>' for code, fmt_id in custom
        )
        return f'<numFmts count="{len(custom)}">{body}</numFmts>'


def styles_xml(styles: list[Style]) -> str:
    """styles.xml holding one cellXfs entry per style, in registration order."""
    table = _StyleTable()
    xfs = [table.xf(style) for style in styles]
    return (
        f'{XML_HEAD}<styleSheet xmlns="{MAIN_NS}">{table.num_fmts_xml()}'
        f"{table.fonts_xml()}{table.fills_xml()}{table.borders_xml()}"
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        '<dxfs count="0"/><tableStyles count="0"/></styleSheet>'
    )
