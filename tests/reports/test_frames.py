"""result_frames: the report's tables as typed pandas DataFrames for notebooks."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from porting_batch.outcomes import Outcome
from porting_batch.reports import result_frames, write_reports
from porting_batch.results import BatchResult

from .conftest import ACCOUNT, FOC, FORMULA, PIN
from .helpers import csv_rows


def test_frames_have_the_csv_columns_and_one_row_per_number_order_and_issue(
    result: BatchResult, tmp_path: Path
) -> None:
    """Each frame's headers are its CSV's, row for row with numbers, orders and issues."""
    frames = result_frames(result)
    files = write_reports(result, tmp_path / "out")
    for name, csv_path, count in (
        ("numbers", files.numbers_csv, len(result.numbers)),
        ("orders", files.orders_csv, len(result.orders)),
        ("issues", files.issues_csv, len(result.issues)),
    ):
        header, *rows = csv_rows(csv_path)
        assert list(frames[name].columns) == header
        assert len(frames[name]) == len(rows) == count
    numbers = frames["numbers"]
    assert numbers["Phone number (E.164)"].tolist()[:4] == [
        "+13125552486", "+13125552487", "+13125552490", "+13125552491",
    ]  # fmt: skip
    assert frames["issues"]["Code"].iloc[0] == "PHONE_INVALID"


def test_frames_are_typed_dates_as_utc_datetimes_counts_as_ints(result: BatchResult) -> None:
    """Date-times are UTC datetimes, rows and counts integers, yes/no booleans, text strings."""
    frames = result_frames(result)
    numbers, orders, issues = frames["numbers"], frames["orders"], frames["issues"]
    for column in (numbers["FOC chosen (UTC)"], orders["FOC requested (UTC)"]):
        assert isinstance(column.dtype, pd.DatetimeTZDtype) and str(column.dtype.tz) == "UTC"
    assert numbers["FOC chosen (UTC)"].iloc[0] == pd.Timestamp(FOC)
    assert numbers["FOC chosen (UTC)"].isna().tolist()[4:] == [True, True]
    assert numbers["Input row"].dtype == "Int64"
    assert numbers["Input row"].tolist() == [3, 4, 5, 5, 6, 7]
    assert orders["Numbers"].dtype == "Int64" and orders["Numbers"].tolist() == [4]
    assert issues["Input row"].tolist()[-1] is pd.NA  # the file-level issue has no row
    assert numbers["Portable"].dtype == "boolean"
    assert numbers["Portable"].tolist() == [True, True, True, True, pd.NA, False]
    assert orders["FastPort"].tolist() == [True]
    assert numbers["Reason"].dtype == "string"


def test_outcome_and_severity_are_categories_of_their_closed_sets(result: BatchResult) -> None:
    """Counting outcomes shows every outcome, zeros included, as the Summary sheet does."""
    frames = result_frames(result)
    counts = frames["numbers"]["Outcome"].value_counts(sort=False).to_dict()
    assert counts == {
        outcome.value: {"ready_as_draft": 4, "invalid_input": 1, "not_portable": 1}.get(
            outcome.value, 0
        )
        for outcome in Outcome
    }
    assert frames["issues"]["Severity"].value_counts().to_dict() == {"error": 2, "warning": 2}


def test_frames_mask_secrets_and_keep_formula_text_as_data(result: BatchResult) -> None:
    """PINs and accounts are masked as in the CSVs; formula-looking text has no apostrophe."""
    frames = result_frames(result)
    text = frames["numbers"].astype(str).to_csv() + frames["issues"].astype(str).to_csv()
    assert PIN not in text and ACCOUNT not in text
    assert frames["numbers"]["Notes"].iloc[1] == FORMULA


def test_an_empty_run_gives_empty_frames_with_the_same_columns_and_types(
    result: BatchResult,
) -> None:
    """No numbers, orders or issues: zero rows, headers and dtypes kept."""
    result.numbers, result.orders, result.issues = [], [], []
    frames = result_frames(result)
    assert [len(frame) for frame in frames.values()] == [0, 0, 0]
    assert "Outcome" in frames["numbers"].columns
    assert isinstance(frames["orders"]["FOC chosen (UTC)"].dtype, pd.DatetimeTZDtype)
    assert frames["orders"]["Numbers"].dtype == "Int64"


@pytest.mark.slow  # a subprocess: this one has pandas imported already
def test_importing_the_reports_does_not_import_pandas() -> None:
    """A run that only writes files never pays pandas' import time."""
    code = "import sys, porting_batch.reports; print('pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_naive_and_aware_times_give_the_same_utc_instant(result: BatchResult) -> None:
    """A FOC stored naive (UTC by convention) reads as the same instant as an aware one."""
    aware = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    result.orders[0].foc_chosen = aware.replace(tzinfo=None)
    result.orders[0].foc_requested = aware
    orders = result_frames(result)["orders"]
    assert orders["FOC chosen (UTC)"].iloc[0] == orders["FOC requested (UTC)"].iloc[0]
