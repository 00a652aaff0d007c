"""Every porting exception turned into the cell an operator corrects and the line that says how.

:func:`remedy_for` reads an order's ``status.details`` (Telnyx exception types), the input rows
the order came from and, when one was read, the losing carrier's customer service record, and
returns one :class:`Remedy` per thing to do. Plain data in and out: no API call, no file.
Secrets (PIN, account number) appear only masked, the operator's and the carrier's alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from porting_batch.columns import SECRET_COLUMNS
from porting_batch.remedies.catalogue import COLUMN_LABELS, FIXES, Fix
from porting_batch.remedies.csr import carrier_values, csr_body
from porting_batch.safety import mask_secret, safe_text

__all__ = [
    "COLUMN_LABELS",
    "FIXES",
    "SECRETS",
    "ExceptionDetail",
    "Remedy",
    "SheetRow",
    "carrier_values",
    "remedy_for",
]

#: Columns whose values are shown masked, wherever they come from.
SECRETS = frozenset({"pin_passcode", "account_number"}) | SECRET_COLUMNS
_PHONE_COLUMNS = frozenset({"phone_number", "billing_phone_number", "new_billing_phone_number"})
_NOT_WORD = re.compile(r"[^0-9a-z]+")
#: A line names at most this many cell ranges; the Remedy keeps them all.
_CELLS_SHOWN = 3


class SheetRow(Protocol):
    """An input row as the remedies read it (``porting_batch.intake.InputRow`` is one)."""

    sheet: str
    row: int
    raw: dict[str, str]
    values: dict[str, str]
    phone_numbers: list[str]

    def letter(self, column: str) -> str: ...

    def header(self, column: str) -> str: ...


@dataclass(frozen=True)
class ExceptionDetail:
    """One entry of an order's ``status.details``: an exception type code and its text."""

    code: str
    description: str = ""


@dataclass(frozen=True)
class Remedy:
    """One thing the operator does about one exception of one order.

    ``column`` is the canonical template column to correct ("" when no cell can fix it);
    ``cells`` name it in the operator's file (``Numbers!E12``, ``Numbers!E12:E14``); ``current``
    is what the cells hold and ``carrier_value`` what the losing carrier has ("" when unknown),
    both masked for PINs and account numbers; ``action`` is the one line to show.
    """

    code: str
    description: str
    column: str
    sheet: str
    cells: tuple[str, ...]
    current: str
    carrier_value: str
    action: str

    @property
    def in_sheet(self) -> bool:
        """Whether correcting the spreadsheet answers this exception."""
        return bool(self.column)


def remedy_for(
    order_status_details: Iterable[Any],
    rows: Sequence[SheetRow],
    csr: Mapping[str, Any] | None = None,
) -> list[Remedy]:
    """The remedies for an order's exception details, pointing at ``rows`` (the order's rows).

    ``order_status_details`` holds mappings or objects with ``code`` and ``description`` (the
    API's ``status.details``). ``csr`` is the carrier's record, either the CSR ``result``
    (``admin``/``address``/``associated_phone_numbers``) or a flat mapping by canonical column
    (see :func:`carrier_values`). An unknown code gets a generic line naming it.
    """
    carrier = carrier_values(csr)
    associated = _associated(csr)
    remedies: list[Remedy] = []
    seen: set[str] = set()
    for detail in _details(order_status_details):
        if detail.code in seen:
            continue
        seen.add(detail.code)
        fix = FIXES.get(detail.code)
        if fix is None:
            remedies.append(_unknown(detail, rows))
        elif not fix.columns:
            remedies.append(_no_cell(detail, fix, rows))
        else:
            remedies.extend(_cell_remedies(detail, fix, rows, carrier, associated))
    return remedies


def _details(items: Iterable[Any]) -> list[ExceptionDetail]:
    found = []
    for item in items or ():
        if isinstance(item, ExceptionDetail):
            found.append(item)
            continue
        get = item.get if isinstance(item, Mapping) else lambda key, i=item: getattr(i, key, "")
        code = safe_text(get("code") or "").strip()
        found.append(ExceptionDetail(code or "(no code)", safe_text(get("description") or "")))
    return found


def _associated(csr: Mapping[str, Any] | None) -> list[str]:
    numbers = csr_body(csr).get("associated_phone_numbers") or []
    return [str(n) for n in numbers if n]


def _sheet(rows: Sequence[SheetRow]) -> str:
    return rows[0].sheet if rows else ""


def _unknown(detail: ExceptionDetail, rows: Sequence[SheetRow]) -> Remedy:
    said = f" ({detail.description})" if detail.description else ""
    action = (
        f"exception {detail.code}{said} is not one porting-batch knows: read the order's "
        "comments in the Telnyx portal and contact Telnyx support if unclear"
    )
    return Remedy(detail.code, detail.description, "", _sheet(rows), (), "", "", action)


def _no_cell(detail: ExceptionDetail, fix: Fix, rows: Sequence[SheetRow]) -> Remedy:
    action = f"{fix.subject} {fix.problem}: {fix.hint}"
    return Remedy(detail.code, detail.description, "", _sheet(rows), (), "", "", action)


def _cell_remedies(
    detail: ExceptionDetail,
    fix: Fix,
    rows: Sequence[SheetRow],
    carrier: Mapping[str, str],
    associated: Sequence[str],
) -> list[Remedy]:
    columns = fix.columns
    if len(columns) > 1 and carrier:
        # The carrier's record shows which of the code's columns differ: point at those only.
        differing = [c for c in columns if c in carrier and not _same(c, rows, carrier[c])]
        columns = tuple(differing) or columns
    return [_column_remedy(detail, fix, column, rows, carrier, associated) for column in columns]


def _column_remedy(
    detail: ExceptionDetail,
    fix: Fix,
    column: str,
    rows: Sequence[SheetRow],
    carrier: Mapping[str, str],
    associated: Sequence[str],
) -> Remedy:
    targets = list(rows)
    theirs = carrier.get(column, "")
    if column == "phone_number" and associated:
        known = {_digits(n) for n in associated}
        off = [r for r in rows if any(_digits(n) not in known for n in _numbers(r))]
        targets = off or targets
        theirs = _shown_list(associated)
    elif column == "port_type" and associated:
        theirs = _expected_port_type(rows, associated)
    elif column in SECRETS:
        theirs = mask_secret(theirs)
    cells = _cells(targets, column)
    label = COLUMN_LABELS.get(column, column)
    head = f"{label} {fix.problem}: "
    head += f"the carrier has '{safe_text(theirs)}'" if theirs else fix.hint
    if cells:
        shown = ", ".join(cells[:_CELLS_SHOWN])
        more = len(cells) - _CELLS_SHOWN
        tail = f"; correct {shown}" + (f" and {more} more" if more > 0 else "")
    else:
        tail = f"; the sheet has no {column} column: add one and fill it in"
    return Remedy(
        detail.code,
        detail.description,
        column,
        _sheet(rows),
        tuple(cells),
        _current(targets, column),
        safe_text(theirs),
        head + tail,
    )


def _value(row: SheetRow, column: str) -> str:
    header = row.header(column)
    typed = row.raw.get(header, "") if header else ""
    return safe_text(typed or row.values.get(column, "")).strip()


def _numbers(row: SheetRow) -> list[str]:
    return list(row.phone_numbers) or [row.values.get("phone_number", "")]


def _current(rows: Sequence[SheetRow], column: str) -> str:
    shown: list[str] = []
    for row in rows:
        value = _value(row, column)
        value = mask_secret(value) if column in SECRETS else value
        if value not in shown:
            shown.append(value)
    return " | ".join(v or "(empty)" for v in shown)


def _cells(rows: Sequence[SheetRow], column: str) -> list[str]:
    """Cell names of ``column`` in ``rows``, consecutive rows of one sheet as one range."""
    spans: list[tuple[str, str, int, int]] = []
    for row in sorted(rows, key=lambda r: (r.sheet, r.row)):
        letter = row.letter(column)
        if not letter:
            continue
        last = spans[-1] if spans else None
        if last and last[0] == row.sheet and last[1] == letter and row.row <= last[3] + 1:
            spans[-1] = (last[0], letter, last[2], row.row)
        else:
            spans.append((row.sheet, letter, row.row, row.row))
    prefix = "{}!".format
    return [
        f"{prefix(sheet) if sheet else ''}{letter}{first}"
        + (f":{letter}{last}" if last != first else "")
        for sheet, letter, first, last in spans
    ]


def _norm(column: str, value: str) -> str:
    if column in _PHONE_COLUMNS:
        return _digits(value)
    return " ".join(_NOT_WORD.sub(" ", value.casefold()).split())


def _digits(value: str) -> str:
    found = "".join(ch for ch in str(value) if ch.isdigit())
    return found[1:] if len(found) == 11 and found.startswith("1") else found


def _same(column: str, rows: Sequence[SheetRow], theirs: str) -> bool:
    want = _norm(column, theirs)
    return all(_norm(column, _value(row, column)) == want for row in rows)


def _shown_list(numbers: Sequence[str]) -> str:
    head = ", ".join(numbers[:5])
    return head + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


def _expected_port_type(rows: Sequence[SheetRow], associated: Sequence[str]) -> str:
    ours = {_digits(n) for row in rows for n in _numbers(row)}
    whole = {_digits(n) for n in associated} <= ours
    return "full" if whole else f"partial ({len(associated)} numbers on the account)"
