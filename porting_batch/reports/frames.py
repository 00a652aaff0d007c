"""A run's tables as pandas DataFrames, for whoever analyses batches in a notebook.

The frames hold the rows of numbers.csv, orders.csv and issues.csv under the same headers, in
the same order and made safe the same way (secrets masked, control characters removed), but
typed: date-times are timezone-aware UTC, row numbers and counts integers, yes/no columns
booleans, outcome and severity categories of their closed sets. Unlike the CSVs, no value gets
a leading apostrophe: a frame is data, not a file a spreadsheet opens. pandas is imported
here, when a frame is asked for, so a run that writes only files never pays its import time
(about a second).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from porting_batch.issues import Severity
from porting_batch.outcomes import Outcome
from porting_batch.reports.tables import ISSUES_COLUMNS, ORDERS_COLUMNS, Cell, Col, Tables
from porting_batch.results import BatchResult

if TYPE_CHECKING:
    import pandas

__all__ = ["result_frames"]

#: Our yes/no columns (an operator column of the same name is labelled "... (input)").
_YES_NO = frozenset({"Portable", "FastPort"})
_BOOLEANS = {"yes": True, "no": False}
#: Closed sets as categories, so a count per value shows the zeros the Summary shows.
_CATEGORIES = {
    "outcome": [outcome.value for outcome in Outcome],
    "severity": [severity.value for severity in Severity],
}


def result_frames(
    result: BatchResult, masked_headers: set[str] | None = None
) -> dict[str, pandas.DataFrame]:
    """The Numbers, Orders and Issues tables of ``result`` as DataFrames, keyed
    ``numbers``, ``orders`` and ``issues``: one row per number, per order, per issue.

    Columns are those of the report's CSVs; ``masked_headers`` works as for
    :func:`porting_batch.reports.write_reports`.
    """
    tables = Tables(result, masked_headers)
    return {
        "numbers": _frame(tables.numbers_columns, tables.number_rows()),
        "orders": _frame(ORDERS_COLUMNS, tables.order_rows()),
        "issues": _frame(ISSUES_COLUMNS, tables.issue_rows()),
    }


def _frame(columns: Sequence[Col], rows: Iterable[Sequence[Cell]]) -> pandas.DataFrame:
    import pandas as pd

    values: list[tuple[Cell, ...]] = list(zip(*rows, strict=True)) or [()] * len(columns)
    # Built by position: two operator headers may read the same once made safe.
    frame = pd.DataFrame(
        {
            index: _series(column, cells)
            for index, (column, cells) in enumerate(zip(columns, values, strict=True))
        }
    )
    frame.columns = [column.header for column in columns]
    return frame


def _series(column: Col, cells: Sequence[Cell]) -> Any:
    import pandas as pd

    if column.kind == "int":
        return pd.Series(cells, dtype="Int64")
    if column.kind == "datetime":
        # Tables hands out naive UTC, as Excel needs; a notebook is better off told so.
        naive = pd.to_datetime(pd.Series(cells, dtype=object))
        return naive.dt.tz_localize("UTC")
    if column.kind in _CATEGORIES:
        return pd.Series(pd.Categorical(cells, categories=_CATEGORIES[column.kind]))
    if column.header in _YES_NO:
        return pd.Series([_BOOLEANS.get(str(cell)) for cell in cells], dtype="boolean")
    return pd.Series(cells, dtype="string")
