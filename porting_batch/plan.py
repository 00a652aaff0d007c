"""Planning: rows grouped by end-user account, then split as the API will split them.

One order never mixes two accounts. Within an account the API splits a create by country,
number type, SPID (US/CA only) and FastPort eligibility; the plan predicts that split from the
portability answers so the report can show it before anything is sent, and the runner can
compare it with the split the API actually returns.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers

from porting_batch.columns import ORDER_LEVEL_COLUMNS
from porting_batch.intake import InputRow
from porting_batch.references import keyed_digest

#: Countries where the API splits orders by SPID (the losing carrier's service provider id).
SPID_COUNTRIES = frozenset({"US", "CA"})
_REFERENCE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Answer:
    """What a portability check said about one number (the client's result, reduced)."""

    phone_number: str
    portable: bool
    fast_portable: bool = False
    reason: str = ""
    phone_number_type: str = ""
    carrier: str = ""
    spid: str = ""
    country: str = ""


@dataclass(frozen=True, order=True)
class SplitKey:
    """The criteria the API splits one create request by."""

    country: str
    phone_number_type: str
    carrier: str  # SPID or carrier name for US/CA; "" elsewhere
    fast_port: bool

    def describe(self) -> str:
        """Short text for reports, e.g. ``US local Carrier A FastPort``."""
        parts = [
            self.country,
            self.phone_number_type,
            self.carrier,
            "FastPort" if self.fast_port else "",
        ]
        return " ".join(p for p in parts if p)


@dataclass
class PlannedOrder:
    """One order the plan expects the API to make."""

    key: SplitKey
    phone_numbers: list[str]


@dataclass
class OrderGroup:
    """The numbers of one end-user account (or one ``order_ref``) sent in one create request."""

    key: str  # stable hash of the account's identity
    customer_reference: str
    account: str  # readable label for reports
    rows: list[InputRow]
    fields: dict[str, str]  # the order-level values shared by every row
    requested_foc: datetime | None
    phone_numbers: list[str] = field(default_factory=list)
    planned: list[PlannedOrder] = field(default_factory=list)
    #: Keyed hash of the order-level data: a re-run re-sends a PATCH only when this changes.
    fingerprint: str = ""
    #: The unkeyed hash earlier versions stored, recognised once so that upgrading re-patches
    #: nothing (and never flags a submitted order as changed).
    legacy_fingerprint: str = ""


@dataclass
class Plan:
    """The intended orders of a batch."""

    batch_id: str
    groups: list[OrderGroup]

    @property
    def planned_orders(self) -> int:
        """How many orders the plan expects the API to create."""
        return sum(len(g.planned) for g in self.groups)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _order_data(fields: Mapping[str, str], requested_foc: datetime | None) -> str:
    data = dict(fields)
    data["requested_foc"] = requested_foc.isoformat() if requested_foc else ""
    return json.dumps(data, sort_keys=True)


def account_identity(row: InputRow) -> str:
    """What makes two rows one account: the order_ref when given, else every order-level field."""
    order_ref = row.values.get("order_ref", "")
    if order_ref:
        return "ref:" + order_ref.casefold()
    values = [row.values.get(column, "") for column in ORDER_LEVEL_COLUMNS]
    values.append(row.requested_foc.isoformat() if row.requested_foc else "")
    return "fields:" + json.dumps(values)


def customer_reference(batch_id: str, group_key: str, operator_reference: str = "") -> str:
    """A deterministic reference for one group's create: the same batch and group always give
    the same reference, which is how a lost create is found again. ``group_key`` is keyed
    (:func:`group_accounts`), so the reference reveals nothing of the account's cells."""
    lead = _REFERENCE_CHARS.sub("-", operator_reference or batch_id).strip("-")[:40] or "batch"
    return f"{lead}-{group_key[:10]}"


def account_label(fields: Mapping[str, str]) -> str:
    """A readable account name: the entity and, when given, the order reference."""
    entity = fields.get("entity_name", "") or "(no entity name)"
    ref = fields.get("order_ref", "")
    return f"{entity} [{ref}]" if ref else entity


def group_accounts(batch_id: str, rows: Iterable[InputRow], *, key: bytes) -> list[OrderGroup]:
    """Group valid rows by end-user account, in order of first appearance.

    Group keys and fingerprints are HMACs under ``key`` (``porting_batch.references``): they
    are derived from PINs and account numbers, and are sent to Telnyx and kept in the ledger.
    """
    groups: dict[str, OrderGroup] = {}
    for row in rows:
        if row.errors or not row.phone_numbers:
            continue
        identity = account_identity(row)
        group = groups.get(identity)
        if group is None:
            group_key = keyed_digest(key, batch_id + "\x00" + identity)
            fields = {column: row.values.get(column, "") for column in ORDER_LEVEL_COLUMNS}
            fields.setdefault("order_ref", row.values.get("order_ref", ""))
            data = _order_data(fields, row.requested_foc)
            group = OrderGroup(
                key=group_key,
                customer_reference=customer_reference(
                    batch_id, group_key, row.values.get("customer_reference", "")
                ),
                account=account_label(fields),
                rows=[],
                fields=fields,
                requested_foc=row.requested_foc,
                fingerprint=keyed_digest(key, "fingerprint\x00" + data),
                legacy_fingerprint=_digest(data),
            )
            groups[identity] = group
        group.rows.append(row)
        group.phone_numbers.extend(row.phone_numbers)
    for group in groups.values():
        # Intake already refuses a number typed twice; this keeps a group's list clean anyway.
        group.phone_numbers = list(dict.fromkeys(group.phone_numbers))
    return list(groups.values())


def _country_of(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ""
    return phonenumbers.region_code_for_number(parsed) or ""


def _type_of(number: str) -> str:
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ""
    kind = phonenumbers.number_type(parsed)
    if kind == phonenumbers.PhoneNumberType.TOLL_FREE:
        return "toll_free"
    if kind == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    return "local"


def split_key(number: str, answer: Answer | None) -> SplitKey:
    """The API's split criteria for one number, from its portability answer where it has one."""
    country = (answer.country if answer and answer.country else _country_of(number)).upper()
    kind = answer.phone_number_type if answer and answer.phone_number_type else _type_of(number)
    carrier = ""
    if country in SPID_COUNTRIES and answer is not None:
        carrier = answer.spid or answer.carrier
    fast = bool(answer.fast_portable) if answer is not None else False
    return SplitKey(country=country, phone_number_type=kind, carrier=carrier, fast_port=fast)


def predict_split(numbers: Sequence[str], answers: Mapping[str, Answer]) -> list[PlannedOrder]:
    """Split one group's numbers the way the API will, in a deterministic order."""
    buckets: dict[SplitKey, list[str]] = {}
    for number in numbers:
        buckets.setdefault(split_key(number, answers.get(number)), []).append(number)
    return [PlannedOrder(key, buckets[key]) for key in sorted(buckets)]


def build_plan(
    batch_id: str, rows: Iterable[InputRow], answers: Mapping[str, Answer], *, key: bytes
) -> Plan:
    """Group the rows that may be ordered and predict each group's split.

    Numbers that are not portable are left out of every group. ``key`` is the reference key
    (:func:`porting_batch.references.reference_key`).
    """
    groups = group_accounts(batch_id, rows, key=key)
    kept: list[OrderGroup] = []
    for group in groups:
        group.phone_numbers = [
            n for n in group.phone_numbers if answers.get(n) is None or answers[n].portable
        ]
        if not group.phone_numbers:
            continue
        group.planned = predict_split(group.phone_numbers, answers)
        kept.append(group)
    return Plan(batch_id=batch_id, groups=kept)


def compare_split(planned: Sequence[PlannedOrder], actual: Sequence[Sequence[str]]) -> list[str]:
    """Differences between the planned split and the orders the API made, as readable lines."""
    want = sorted(sorted(p.phone_numbers) for p in planned)
    got = sorted(sorted(numbers) for numbers in actual)
    if want == got:
        return []
    return [
        f"the API split the request into {len(got)} order(s) where {len(want)} were planned: "
        f"planned {[len(x) for x in want]} numbers per order, got {[len(x) for x in got]}"
    ]
