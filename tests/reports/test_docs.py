"""docs/reports.md documents every column of every report sheet and every outcome."""

from __future__ import annotations

from pathlib import Path

import pytest

from porting_batch.outcomes import Outcome
from porting_batch.reports.tables import ISSUES_COLUMNS, NUMBERS_HEAD, NUMBERS_TAIL, ORDERS_COLUMNS

DOC = Path(__file__).resolve().parents[2] / "docs" / "reports.md"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize(
    ("title", "columns"),
    [
        ("report.xlsx: Numbers", NUMBERS_HEAD + NUMBERS_TAIL),
        ("report.xlsx: Orders", ORDERS_COLUMNS),
        ("report.xlsx: Issues", ISSUES_COLUMNS),
    ],
    ids=["numbers", "orders", "issues"],
)
def test_every_report_column_is_documented_in_order(title: str, columns: tuple) -> None:
    """Each sheet's section has a table row per column, in the sheet's order."""
    section = _section(title)
    rows = [line.split("|")[1].strip() for line in section.splitlines() if line.startswith("| ")]
    # rows[0] is the table's own header row.
    documented = [row for row in rows[1:] if row != "*(the operator's columns)*"]
    assert documented == [column.header for column in columns]


def test_every_outcome_is_documented_with_its_meaning() -> None:
    """The closed outcome set appears whole, each with the description the code shows."""
    section = _section("Outcomes: the closed set")
    for outcome in Outcome:
        description = outcome.description.replace("--confirm", "`--confirm`")
        assert f"| `{outcome.value}` | {description} |" in section
