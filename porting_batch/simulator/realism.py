"""Realistic-profile time rules (issue 15 item 4) and ops splits (item 6).

Every rule here runs only in the realistic profile, on the simulated clock, with seeded draws,
so a test drives it with ``POST /_simulator/clock/advance`` and gets the same story each run.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from porting_batch.simulator import calendar, carriers
from porting_batch.simulator.clock import iso, parse_iso
from porting_batch.simulator.store import plain_copy

if TYPE_CHECKING:
    from porting_batch.simulator.state import SimState

#: Uploaded files not linked to an order within this are deleted (spec, ``POST /documents``).
UNLINKED_DOCUMENT_TTL = timedelta(minutes=30)
#: Draft orders never submitted are deleted after this (Telnyx support, port request statuses).
DRAFT_TTL = timedelta(days=30)
#: Sweeping every document and order on every request would cost O(n) per read.
SWEEP_EVERY = timedelta(minutes=1)
#: A carrier's clerks work these local hours on business days (US federal holidays off).
OPEN_AT = time(9, 0)
CLOSE_AT = time(17, 0)
#: Share of FOC confirmations where the carrier moves the date to a later business day.
FOC_MOVE_RATE = 0.2
#: The service address's state (of the carrier record) decides the losing carrier's zone.
_STATE_ZONES = {
    "IL": "America/Chicago",
    "TX": "America/Chicago",
    "WI": "America/Chicago",
    "CO": "America/Denver",
    "OR": "America/Los_Angeles",
    "OH": "America/New_York",
    "NC": "America/New_York",
    "ON": "America/Toronto",
    "QC": "America/Toronto",
}
_DEFAULT_ZONE = "America/New_York"
_NUMBER_IDS = uuid.UUID("0b7f9a3e-1c55-4e0f-9a51-7d2f2f1e6c20")


def draw(state: SimState, order: dict[str, Any], what: str) -> float:
    """A seeded draw in [0, 1) for this order's current submission."""
    attempt = order["_sim"].get("submissions", 1)
    text = f"{state.config.seed}|{order['id']}|{attempt}|{what}"
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64


def carrier_zone(state: SimState, order: dict[str, Any]) -> ZoneInfo:
    """The losing carrier's time zone: from its record's service address, else US Eastern."""
    numbers = order["_sim"]["numbers"]
    if not numbers or not numbers[0]["phone_number"].startswith("+1"):
        return ZoneInfo(_DEFAULT_ZONE)
    record = carriers.record_for(numbers[0]["phone_number"], state.config.seed)
    region = record.location().get("administrative_area") or ""
    return ZoneInfo(_STATE_ZONES.get(str(region), _DEFAULT_ZONE))


def next_business_moment(moment: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` if the carrier is open then, else its next opening (09:00 local)."""
    local = moment.astimezone(zone)
    day = local.date()
    if calendar.is_business_day(day) and OPEN_AT <= local.time() < CLOSE_AT:
        return moment
    if not (calendar.is_business_day(day) and local.time() < OPEN_AT):
        day = calendar.add_business_days(day, 1)
    while not calendar.is_business_day(day):
        day += timedelta(days=1)
    return datetime.combine(day, OPEN_AT, tzinfo=zone).astimezone(moment.tzinfo)


def moved_foc(state: SimState, order: dict[str, Any], requested: datetime) -> datetime | None:
    """The later FOC the carrier confirms instead of ``requested``, or None to keep it."""
    if draw(state, order, "foc-move") >= FOC_MOVE_RATE:
        return None
    days = 1 + int(draw(state, order, "foc-days") * 3)
    later = calendar.add_business_days(requested.date(), days)
    return requested.replace(year=later.year, month=later.month, day=later.day)


def note_foc_moved(state: SimState, order: dict[str, Any], requested: str, actual: str) -> None:
    """Tell the customer, as Telnyx porting ops would: a comment and its event."""
    text = f"The losing carrier confirmed FOC {actual} instead of the requested {requested}."
    state.add_comment(order, text, "admin")


def number_id(order_id: str, phone_number: str) -> str:
    """A stable id for a porting phone number (the split event names numbers by id)."""
    return str(uuid.uuid5(_NUMBER_IDS, f"{order_id}|{phone_number}"))


def maybe_split(state: SimState, order: dict[str, Any]) -> dict[str, Any] | None:
    """With probability ``ops_split_rate``, move the second half of the numbers to a new order.

    The new order is a copy in the same status and schedule; both get a
    ``porting_order.split`` event (payload as the spec's ``PortingEventSplitEvent``).
    """
    numbers = order["_sim"]["numbers"]
    if len(numbers) < 2 or draw(state, order, "split") >= state.ops_split_rate:
        return None
    keep, move = numbers[: len(numbers) // 2], numbers[len(numbers) // 2 :]
    new = {key: value for key, value in order.items() if key not in {"_sim", "id"}}
    new = plain_copy(new)
    new["id"] = state.new_id()
    new["support_key"] = state.short_key("sr")
    new["created_at"] = state.now_iso()
    sim = plain_copy({k: v for k, v in order["_sim"].items() if k not in {"numbers"}})
    sim["next_at"] = None
    sim["next_step"] = None
    for number in move:
        number["porting_order_id"] = new["id"]
    sim["numbers"] = move
    new["_sim"] = sim
    new["porting_phone_numbers_count"] = len(move)
    order["_sim"]["numbers"] = keep
    order["porting_phone_numbers_count"] = len(keep)
    state.save_order(order)
    state.save_order(new)
    payload = {
        "from": {"id": order["id"]},
        "to": {"id": new["id"]},
        "porting_phone_numbers": [
            {"id": number_id(order["id"], n["phone_number"]), "phone_number": n["phone_number"]}
            for n in move
        ],
    }
    state.add_event(order, "porting_order.split", payload)
    state.add_event(new, "porting_order.split", payload)
    return new


def sweep(state: SimState) -> None:
    """Delete unlinked documents past 30 minutes and drafts past 30 days (a tick hook)."""
    now = state.now()
    last = state.store.meta.get("realism_swept_at")
    if last and now - parse_iso(str(last)) < SWEEP_EVERY:
        return
    state.store.set_meta("realism_swept_at", iso(now))
    linked: set[str] = set()
    for order in state.store.all("orders"):
        linked.update(d for d in order["documents"].values() if d)
        linked.update(str(r.get("field_value")) for r in order["requirements"])
    for extra in state.store.all("additional_documents"):
        linked.add(extra.get("document_id", ""))
    for document in list(state.store.all("documents")):
        created = parse_iso(document["created_at"])
        if document["id"] not in linked and now - created >= UNLINKED_DOCUMENT_TTL:
            state.store.delete("documents", document["id"])
            state.store.delete_blob(document["id"])
    for order in list(state.store.all("orders")):
        if order["status"]["value"] != "draft":
            continue
        if now - parse_iso(order["created_at"]) < DRAFT_TTL:
            continue
        stamp = state.now_iso()
        state.add_event(
            order,
            "porting_order.deleted",
            {
                "id": order["id"],
                "customer_reference": order["customer_reference"] or "",
                "created_at": order["created_at"],
                "updated_at": stamp,
                "deleted_at": stamp,
                "record_type": "porting_order",
            },
        )
        state.unindex_order(order)
        state.store.delete("orders", order["id"])
