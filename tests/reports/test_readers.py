"""Every report workbook opens in three independent readers, which all see the same cells."""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from porting_batch.reports import write_reports
from porting_batch.results import BatchResult

NODE_FOLDER = Path(__file__).parent / "node"
_ZIP64_EXTRA = 0x0001


def _normal(value: Any) -> Any:
    """One cell in a form the three readers can agree on (SheetJS and calamine lose types)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    return value


def _rows(rows: list[list[Any]]) -> list[list[Any]]:
    cleaned = [[_normal(value) for value in row] for row in rows]
    width = max((len(row) for row in cleaned), default=0)
    padded = [row + [None] * (width - len(row)) for row in cleaned]
    while padded and not any(value is not None for value in padded[-1]):
        padded.pop()
    return padded


def _openpyxl(path: Path) -> dict[str, list[list[Any]]]:
    book = load_workbook(path)
    return {
        name: _rows([list(r) for r in book[name].iter_rows(values_only=True)])
        for name in book.sheetnames
    }


def _calamine(path: Path) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {
        name: _rows(book.get_sheet_by_name(name).to_python(skip_empty_area=False))
        for name in book.sheet_names
    }


def _sheetjs(path: Path, folder: Path) -> dict[str, list[list[Any]]]:
    env = {**os.environ, "TZ": "UTC"}
    done = subprocess.run(
        ["node", "read.js", str(path)], cwd=folder, env=env, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    sheets = json.loads(done.stdout)
    found = {}
    for name, sheet in sheets.items():
        rows = [
            [datetime.fromisoformat(v.replace("Z", "+00:00")).replace(tzinfo=None)
             if isinstance(v, str) and _is_iso(v) else v for v in row]
            for row in sheet["rows"]
        ]  # fmt: skip
        found[name] = _rows(rows)
    return found


def _is_iso(text: str) -> bool:
    return len(text) == 24 and text[4] == "-" and text[10] == "T" and text.endswith("Z")


def _report(result: BatchResult, tmp_path: Path) -> Path:
    result.settings = {**result.settings, "odd_ratio": math.nan, "ceiling": math.inf}
    files = write_reports(result, tmp_path / "out")
    assert files.annotated is not None
    return files.xlsx


@pytest.fixture(scope="session")
def sheetjs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder where ``node read.js <file>`` reads a workbook with SheetJS (npm ci once)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not on PATH: the SheetJS reader cannot run here")
    folder = tmp_path_factory.mktemp("sheetjs")
    for name in ("package.json", "package-lock.json", "read.js"):
        shutil.copy(NODE_FOLDER / name, folder / name)
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=folder,
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder


def _local_extra_ids(path: Path) -> dict[str, set[int]]:
    """The extra-field ids of each member's local header (where ZIP64 shows when forced)."""
    ids: dict[str, set[int]] = {}
    with zipfile.ZipFile(path) as archive, path.open("rb") as handle:
        for info in archive.infolist():
            handle.seek(info.header_offset + 26)
            name_length, extra_length = struct.unpack("<HH", handle.read(4))
            handle.seek(name_length, 1)
            extra = handle.read(extra_length)
            found, at = set(), 0
            while at + 4 <= len(extra):
                kind, size = struct.unpack("<HH", extra[at : at + 4])
                found.add(kind)
                at += 4 + size
            ids[info.filename] = found
    return ids


def test_report_and_annotated_copy_are_not_zip64(result: BatchResult, tmp_path: Path) -> None:
    """No member of a small report carries a ZIP64 extra field (SheetJS refuses forced ZIP64)."""
    path = _report(result, tmp_path)
    for member, ids in _local_extra_ids(path).items():
        assert _ZIP64_EXTRA not in ids, member


def test_each_sheet_declares_the_range_it_holds(result: BatchResult, tmp_path: Path) -> None:
    """Every worksheet has a <dimension> matching the cells openpyxl finds in it."""
    path = _report(result, tmp_path)
    book = load_workbook(path)
    with zipfile.ZipFile(path) as archive:
        for index, name in enumerate(book.sheetnames, start=1):
            xml = archive.read(f"xl/worksheets/sheet{index}.xml").decode()
            sheet = book[name]
            assert f'<dimension ref="A1:{sheet.cell(1, sheet.max_column).column_letter}' in xml
            assert xml.index("<dimension") < xml.index("<sheetViews")
            ref = xml.split('<dimension ref="')[1].split('"')[0]
            assert ref.endswith(str(sheet.max_row)), (name, ref)


def test_nan_and_infinity_are_written_as_text(result: BatchResult, tmp_path: Path) -> None:
    """A NaN or infinite setting shows as text on the Summary, never as a number cell."""
    path = _report(result, tmp_path)
    summary = load_workbook(path)["Summary"].iter_rows(values_only=True)
    values = {row[0]: row[1] for row in summary if row and row[0]}
    assert (values["odd_ratio"], values["ceiling"]) == ("NaN", "Infinity")
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<v>nan</v>" not in xml and "<v>inf</v>" not in xml


def test_openpyxl_and_calamine_read_the_same_cells(result: BatchResult, tmp_path: Path) -> None:
    """Both Python readers see every sheet of report.xlsx with identical values."""
    path = _report(result, tmp_path)
    by_openpyxl = _openpyxl(path)
    assert by_openpyxl == _calamine(path)
    assert set(by_openpyxl) == {"Summary", "Numbers", "Orders", "Issues"}


@pytest.mark.slow
def test_sheetjs_reads_every_report_file_as_openpyxl_does(
    result: BatchResult, tmp_path: Path, sheetjs: Path
) -> None:
    """SheetJS (through Node) opens report.xlsx and annotated.xlsx and agrees with openpyxl."""
    path = _report(result, tmp_path)
    for workbook in (path, path.with_name("annotated.xlsx")):
        by_sheetjs = _sheetjs(workbook, sheetjs)
        assert by_sheetjs == _openpyxl(workbook), workbook.name
