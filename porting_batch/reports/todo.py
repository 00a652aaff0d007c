"""The Numbers sheet's "What to do": one short imperative per number, in the operator's words.

The outcome says where the number got to; the row's issues (from the result's Issues) name the
cells to correct; a carrier's exception codes are answered by the remedies' catalogue
(:data:`porting_batch.remedies.FIXES`), the same advice the tracking report gives. The Reason
column keeps the why; this column only says what the operator does next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from porting_batch.columns import canonical_column
from porting_batch.issues import Issue
from porting_batch.outcomes import Outcome
from porting_batch.remedies import COLUMN_LABELS, FIXES
from porting_batch.results import BatchResult, NumberResult
from porting_batch.safety import safe_text

__all__ = ["RowCells", "what_to_do"]

#: A cell list names at most this many cells; the rest are counted.
_CELLS_SHOWN = 3
_EXCEPTION = "exception:"

#: What to do when the outcome alone says it (the number needs nothing of its row's cells).
_BY_OUTCOME: dict[Outcome, str] = {
    Outcome.PLANNED: "Nothing: planned only; run without --dry-run to create the order",
    Outcome.READY_AS_DRAFT: "Nothing: draft ready; confirm after review",
    Outcome.CONFIRMED: "Nothing: submitted; track it until ported",
    Outcome.NOT_PORTABLE: "Not portable: leave with the current carrier or contact it",
    Outcome.INVALID_INPUT: "Correct the row's cells named in Issues and run again",
    Outcome.DUPLICATE: "Delete this row: the number is on an earlier row",
    Outcome.NEEDS_ATTENTION: "Read the Reason, act on it and run again",
    Outcome.ALREADY_IN_ORDER: "Check the existing order; remove the row if it is that port",
    Outcome.NOT_PROCESSED: "Run again: not processed",
    Outcome.CANCELLED: "Nothing: cancelled as the row asked",
}
_CHECKED = "Nothing: valid; run the file to order it"
_HELD = "Nothing now: confirm it closer to the FOC date (run again with --confirm)"


class RowCells:
    """The cells each input row has issues on, found once for the whole result."""

    def __init__(self, result: BatchResult, headers: Iterable[str]) -> None:
        self.result = result
        #: canonical column -> the operator's header for it (their word for the column).
        self.header_of: dict[str, str] = {}
        for header in headers:
            self.header_of.setdefault(canonical_column(header) or header, header)
        self._errors: dict[tuple[str, int], list[Issue]] = {}
        self._warnings: dict[tuple[str, int], list[Issue]] = {}
        for issue in result.issues:
            if not issue.row or not issue.column_letter:
                continue
            found = self._errors if issue.is_error else self._warnings
            # An account-level value is reported once, on its first cell: every row it
            # concerns points there.
            for row in {issue.row, *issue.rows}:
                found.setdefault((issue.sheet, row), []).append(issue)

    def errors(self, number: NumberResult) -> list[Issue]:
        """The error issues with a cell that concern the number's input row."""
        return self._errors.get((number.sheet, number.row), [])

    def warnings(self, number: NumberResult, source: str) -> list[Issue]:
        """The warnings from ``source`` with a cell that concern the number's input row."""
        found = self._warnings.get((number.sheet, number.row), [])
        return [issue for issue in found if issue.source == source]

    def label(self, column: str) -> str:
        """A column as the operator knows it: their header, else the catalogue's words."""
        return safe_text(self.header_of.get(column) or COLUMN_LABELS.get(column, column))

    def correct(self, issues: Sequence[Issue], then: str = "run again") -> str:
        """ "Correct cell F12 (ZIP) and run again", naming each distinct cell once."""
        shown: list[str] = []
        for issue in issues:
            name = f"{issue.column_letter}{issue.row}"
            if issue.column:
                name += f" ({self.label(issue.column)})"
            if name not in shown:
                shown.append(name)
        more = len(shown) - _CELLS_SHOWN
        cells = ", ".join(shown[:_CELLS_SHOWN]) + (f" and {more} more," if more > 0 else "")
        return f"Correct cell{'s' if len(shown) > 1 else ''} {cells} and {then}"


def what_to_do(number: NumberResult, cells: RowCells) -> str:
    """One short imperative for the number: nothing, which cells to correct, or what else."""
    outcome = number.outcome
    result = cells.result
    if outcome is Outcome.INVALID_INPUT:
        errors = cells.errors(number)
        return cells.correct(errors) if errors else _BY_OUTCOME[outcome]
    if outcome is Outcome.NEEDS_ATTENTION:
        return _attention(number, cells)
    if outcome is Outcome.READY_AS_DRAFT and result.confirm:
        # Under --confirm a draft is one held back: by its FOC, or by a CSR that differs.
        differs = cells.warnings(number, "csr")
        return cells.correct(differs, "run again with --confirm") if differs else _HELD
    if outcome is Outcome.NOT_PROCESSED and result.validate_only and result.complete:
        return _CHECKED
    return _BY_OUTCOME[outcome]


def _attention(number: NumberResult, cells: RowCells) -> str:
    refused = [issue for issue in cells.errors(number) if issue.source == "api"]
    if refused:
        return cells.correct(refused)
    reason = number.reason.strip()
    if reason.startswith(_EXCEPTION):
        return _exception(reason[len(_EXCEPTION) :], cells.label)
    return _BY_OUTCOME[Outcome.NEEDS_ATTENTION]


def _exception(details: str, label: Callable[[str], str]) -> str:
    """What to do about a carrier's exception codes ("CODE; CODE: description")."""
    columns: list[str] = []
    elsewhere: list[str] = []
    for part in details.split(";"):
        code = part.split(":", 1)[0].strip()
        fix = FIXES.get(code)
        if fix is None:
            if code:
                elsewhere.append(f"read the order's comments in the Telnyx portal about {code}")
            continue
        if fix.columns:
            columns.extend(c for c in fix.columns if c not in columns)
        else:
            elsewhere.append(fix.hint)
    if columns:
        shown = ", ".join(label(c) for c in columns)
        return f"Correct {shown} to match the losing carrier's record and run again"
    if elsewhere:
        text = elsewhere[0]
        return text[:1].upper() + text[1:]
    return _BY_OUTCOME[Outcome.NEEDS_ATTENTION]
