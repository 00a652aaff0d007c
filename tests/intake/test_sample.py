"""The sample batch in input_templates/sample, used by the README's main command."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from porting_batch.numbers import is_toll_free

from .conftest import Reader

SAMPLE = Path(__file__).resolve().parents[2] / "input_templates" / "sample"


def _not_portable_in_simulator(number: str) -> bool:
    return 9900 <= int(number[-4:]) <= 9999


def test_sample_batch_reads_without_errors(read: Reader) -> None:
    """The sample has no error, so the main command shows a successful run."""
    intake = read(SAMPLE / "sample-batch.xlsx")
    assert [i.describe() for i in intake.issues if i.is_error] == []
    assert not any(row.errors for row in intake.rows)


def test_sample_batch_covers_accounts_countries_and_number_kinds(read: Reader) -> None:
    """40+ numbers, 4+ accounts, US and Canada, local and toll-free, and a range."""
    intake = read(SAMPLE / "sample-batch.xlsx")
    numbers = [n for row in intake.rows for n in row.phone_numbers]
    assert len(numbers) >= 40
    assert len(set(numbers)) == len(numbers)
    assert len({row.values["account_number"] for row in intake.rows}) >= 4
    assert {row.values["country_code"] for row in intake.rows} == {"US", "CA"}
    assert any(n.startswith(("+1416", "+1604", "+1647")) for n in numbers)
    assert any(is_toll_free(n) for n in numbers)
    assert any(len(row.phone_numbers) > 1 for row in intake.rows)
    assert all(row.values["loa_file"] and row.values["invoice_file"] for row in intake.rows)


def test_sample_batch_has_exactly_one_deliberately_unportable_number(read: Reader) -> None:
    """Only the deliberate number ends in 9900-9999, the simulator's not-portable rule."""
    intake = read(SAMPLE / "sample-batch.xlsx")
    numbers = [n for row in intake.rows for n in row.phone_numbers]
    assert [n for n in numbers if _not_portable_in_simulator(n)] == ["+13125559950"]


def test_sample_generator_is_deterministic(tmp_path: Path) -> None:
    """Running make_sample.py again reproduces the committed files byte for byte."""
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make_sample.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    for built in sorted(tmp_path.iterdir()):
        assert built.read_bytes() == (SAMPLE / built.name).read_bytes(), built.name
