"""The template written by `porting-batch template PATH`, and read back."""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from porting_batch.columns import COLUMN_NAMES, COLUMN_TITLES, ENUMERATIONS, TEMPLATE_VERSION
from porting_batch.errors import IntakeError
from porting_batch.template import VERSION_NAME, write_batch, write_template

from .conftest import GOOD_ROW, Reader, documents

REPO = Path(__file__).resolve().parents[2]


def test_xlsx_template_has_numbers_and_instructions_sheets(tmp_path: Path) -> None:
    """The XLSX template has a frozen-header Numbers sheet, an Instructions sheet, and the
    drop-downs' lists on a hidden sheet."""
    path = write_template(tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Numbers", "Instructions", "Lists"]
    assert workbook["Lists"].sheet_state == "hidden"
    numbers = workbook["Numbers"]
    assert [cell.value for cell in numbers[1]] == list(COLUMN_TITLES)
    assert numbers.freeze_panes == "A2"


@pytest.mark.parametrize(
    "column",
    [
        "phone_number",
        "account_number",
        "pin_passcode",
        "postal_code",
        "billing_phone_number",
        "new_billing_phone_number",
    ],
)
def test_identifier_columns_are_text_formatted(tmp_path: Path, column: str) -> None:
    """Cells for numbers, PINs, accounts and ZIPs are Text so Excel keeps '+' and zeros."""
    path = write_template(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["Numbers"]
    letter = openpyxl.utils.get_column_letter(COLUMN_NAMES.index(column) + 1)
    assert sheet.column_dimensions[letter].number_format == "@"


def test_every_enumeration_has_a_drop_down(tmp_path: Path) -> None:
    """Each column with a fixed list of values offers it as a drop-down."""
    path = write_template(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["Numbers"]
    lists = {
        str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1
        for dv in sheet.data_validations.dataValidation
        if dv.type == "list"
    }
    for name, choices in ENUMERATIONS.items():
        letter = openpyxl.utils.get_column_letter(COLUMN_NAMES.index(name) + 1)
        assert lists[letter] == '"' + ",".join(choices) + '"'


def test_every_column_has_an_input_message(tmp_path: Path) -> None:
    """Each column shows its meaning and an example when the operator selects a cell."""
    path = write_template(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(path)["Numbers"]
    prompted = {
        str(dv.sqref).split(":")[0].rstrip("0123456789")
        for dv in sheet.data_validations.dataValidation
        if dv.prompt
    }
    assert len(prompted) == len(COLUMN_NAMES)


def test_instructions_describe_every_column_and_the_version(tmp_path: Path) -> None:
    """The Instructions sheet lists each column, the FOC time zone, and the version."""
    path = write_template(tmp_path / "t.xlsx")
    workbook = openpyxl.load_workbook(path)
    texts = [str(c.value) for row in workbook["Instructions"].iter_rows() for c in row if c.value]
    for name in COLUMN_NAMES:
        assert name in texts
    assert any("UTC" in text for text in texts)
    assert any("rejection" in text for text in texts)
    defined = workbook.defined_names[VERSION_NAME]
    sheet_name, cell = next(iter(defined.destinations))
    assert workbook[sheet_name][cell.replace("$", "")].value == TEMPLATE_VERSION


def test_csv_template_has_the_same_columns(tmp_path: Path) -> None:
    """The CSV template's header is the XLSX template's header."""
    path = write_template(tmp_path / "t.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.reader(handle)) == list(COLUMN_TITLES)


def test_unsupported_template_extension_is_refused(tmp_path: Path) -> None:
    """A template can only be .xlsx or .csv, and nothing is written otherwise."""
    with pytest.raises(IntakeError, match=r"\.xlsx or \.csv"):
        write_template(tmp_path / "t.ods")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_filled_template_reads_back_without_issues(
    tmp_path: Path, read: Reader, suffix: str
) -> None:
    """A template filled with a clean row reads back as that row, with no issues."""
    documents(tmp_path)
    path = write_batch(tmp_path / f"b{suffix}", [{k: str(v) for k, v in GOOD_ROW.items()}])
    intake = read(path)
    assert intake.issues == []
    assert [row.phone_numbers for row in intake.rows] == [["+13125550142"]]
    assert intake.rows[0].values["billing_phone_number"] == "+13125550142"


@pytest.mark.parametrize("name", ["porting-template.xlsx", "porting-template.csv"])
def test_committed_templates_match_the_catalogue(name: str) -> None:
    """The template files in input_templates/ carry the current column list."""
    path = REPO / "input_templates" / name
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle))
    else:
        header = [c.value for c in openpyxl.load_workbook(path)["Numbers"][1]]
    assert header == list(COLUMN_TITLES)


def test_committed_templates_are_what_the_generator_writes(tmp_path: Path) -> None:
    """input_templates/make_templates.py reproduces the committed templates byte for byte."""
    import importlib.util

    script = REPO / "input_templates" / "make_templates.py"
    spec = importlib.util.spec_from_file_location("make_templates", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for built in module.build(tmp_path):
        assert built.read_bytes() == (REPO / "input_templates" / built.name).read_bytes()
