"""docs/reports.md documents every column of the tracking report and every exception type."""

from __future__ import annotations

from pathlib import Path

import pytest

from porting_batch.remedies import FIXES
from porting_batch.reports.tracking_report import (
    CHANGES_COLUMNS,
    NEEDS_ACTION_COLUMNS,
    ORDERS_COLUMNS,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "reports.md"


def _tracking_section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("## Tracking report")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _subsection(title: str) -> str:
    text = _tracking_section()
    start = text.index(f"### {title}")
    end = text.find("\n### ", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize(
    ("title", "columns"),
    [
        ("Needs action", NEEDS_ACTION_COLUMNS),
        ("Orders", ORDERS_COLUMNS),
        ("Changes", CHANGES_COLUMNS),
    ],
    ids=["needs-action", "orders", "changes"],
)
def test_every_tracking_column_is_documented_in_order(title: str, columns: tuple) -> None:
    """Each sheet's subsection has a table row per column, in the sheet's order."""
    lines = _subsection(title).splitlines()
    rows = [line.split("|")[1].strip() for line in lines if line.startswith("| ")]
    assert rows[1:] == [column.header for column in columns]


def test_every_exception_type_is_in_the_remedies_table() -> None:
    """The remedies table names each of the 21 exception types."""
    section = _subsection("From an exception to a cell: remedies")
    assert all(f"`{code}`" in section for code in FIXES)
