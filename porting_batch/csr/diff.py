"""The sheet's account against the carrier's record: each difference a clerk would not forgive.

Every remaining difference becomes a warning on the exact cell that holds it, naming both
values ("the carrier has 'ACME INC', the sheet has 'Acme Corporation'"); the account number,
a secret, is compared by fingerprint and its values are never named.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from porting_batch.csr.compare import digits, fold, postal, same_words, split_unit
from porting_batch.csr.record import CarrierView, account_fingerprint
from porting_batch.intake import InputRow
from porting_batch.issues import Issue, Severity

CODE = "csr_mismatch"
HINT = (
    "correct the cell to match the losing carrier's record (the CSR), or ask the end user "
    "which is right; the carrier rejects an order whose data differs"
)


@dataclass(frozen=True)
class Difference:
    """One column whose sheet value differs from the carrier's record."""

    column: str
    carrier: str
    sheet: str
    secret: bool = False
    #: Only the suite or unit differs: whether the carrier's street line names one at all.
    unit: bool = False
    carrier_unit: bool = False

    def message(self) -> str:
        """The difference in an operator's words, both values named unless secret."""
        if self.secret:
            return "the carrier's record has a different account number than the sheet"
        sheet = f"'{self.sheet}'" if self.sheet else "nothing"
        if self.unit:
            which = "another suite or unit" if self.carrier_unit else "no suite or unit"
            return f"the carrier's record has {which} ('{self.carrier}'), the sheet has {sheet}"
        return f"the carrier has '{self.carrier}', the sheet has {sheet}"


def _words(column: str, carrier: str, sheet: str) -> Difference | None:
    if not carrier or same_words(carrier, sheet):
        return None
    return Difference(column, carrier, sheet)


def _street(fields: Mapping[str, str], view: CarrierView) -> list[Difference]:
    """The street and its suite or unit, each on the cell that holds it on the sheet."""
    if not view.street_address:
        return []
    carrier_street, carrier_unit = split_unit(view.street_address)
    sheet_full = fields.get("street_address", "")
    sheet_street, street_unit = split_unit(sheet_full)
    extra = fields.get("extended_address", "")
    # An extended line is a suite or unit even when it does not say so ("200").
    _, extra_unit = split_unit(extra if fold(extra).startswith("#") else f"# {extra}")
    found = []
    if carrier_street != sheet_street:
        found.append(Difference("street_address", view.street_address, sheet_full))
    sheet_unit = street_unit or extra_unit
    if carrier_unit != sheet_unit:
        column = "extended_address" if extra and not street_unit else "street_address"
        shown = extra if column == "extended_address" else sheet_full
        if not any(d.column == column for d in found):
            found.append(
                Difference(
                    column, view.street_address, shown, unit=True, carrier_unit=bool(carrier_unit)
                )
            )
    return found


def differences(fields: Mapping[str, str], view: CarrierView, *, key: bytes) -> list[Difference]:
    """Every field of the sheet's account the carrier's record contradicts, in column order."""
    found: list[Difference | None] = [
        _words("entity_name", view.name, fields.get("entity_name", "")),
        _words("auth_person_name", view.authorized_person_name, fields.get("auth_person_name", "")),
    ]
    sheet_account = fields.get("account_number", "")
    fingerprint = account_fingerprint(key, sheet_account) if sheet_account else ""
    if view.account_fingerprint and fingerprint and fingerprint != view.account_fingerprint:
        found.append(Difference("account_number", "", "", secret=True))
    btn = fields.get("billing_phone_number", "")
    if view.billing_phone_number and btn and digits(btn) != digits(view.billing_phone_number):
        found.append(Difference("billing_phone_number", view.billing_phone_number, btn))
    found.extend(_street(fields, view))
    found.append(_words("locality", view.locality, fields.get("locality", "")))
    area = fields.get("administrative_area", "")
    found.append(_words("administrative_area", view.administrative_area, area))
    zip_code = fields.get("postal_code", "")
    if view.postal_code and postal(view.postal_code) != postal(zip_code):
        found.append(Difference("postal_code", view.postal_code, zip_code))
    return [d for d in found if d is not None]


def cell_issues(
    rows: Sequence[InputRow],
    found: Sequence[Difference],
    shown: Callable[[InputRow, str], str],
) -> list[Issue]:
    """A warning on each row's cell of each difference (every row of an account repeats it)."""
    issues = []
    for row in rows:
        for difference in found:
            issues.append(
                Issue(
                    severity=Severity.WARNING,
                    message=difference.message(),
                    hint=HINT,
                    sheet=row.sheet,
                    row=row.row,
                    column=difference.column,
                    column_letter=row.letter(difference.column),
                    value="" if difference.secret else shown(row, difference.column),
                    code=CODE,
                    source="csr",
                )
            )
    return issues
