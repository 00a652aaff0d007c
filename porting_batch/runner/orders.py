"""A group's orders: those in the ledger, those an earlier run's lost create made (adopted by
reference), and new ones, each create's intent recorded just before it is sent."""

from __future__ import annotations

import hashlib
import json
import re

from porting_batch.client.models import PortingOrder
from porting_batch.errors import (
    ApiError,
    NoResponseError,
    ServerError,
    UnprocessableEntityError,
)
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import Ledger, OrderRecord
from porting_batch.order_numbers import NUMBERS_SHOWN, all_numbers, holds_more_than_shown
from porting_batch.outcomes import Outcome
from porting_batch.plan import OrderGroup, compare_split
from porting_batch.runner.api import PortingApi, order_status
from porting_batch.runner.intents import Intent, Recorded
from porting_batch.runner.sent import group_reference
from porting_batch.runner.state import RunState, Skip

_NUMBER_POINTER = re.compile(r"/phone_numbers/(\d+)(?:/.*)?")


async def ensure_orders(
    ledger: Ledger, api: PortingApi, state: RunState, recorded: Recorded, group: OrderGroup
) -> list[OrderRecord]:
    """The group's orders: those in the ledger, those a lost create made, and new ones."""
    known = recorded.orders
    mine: dict[str, OrderRecord] = {}
    for number in group.phone_numbers:
        record = known.get(number)
        if record is not None:
            mine[record.order_id] = record
    missing = [n for n in group.phone_numbers if n not in known]
    cut = [r for r in mine.values() if len(r.phone_numbers) == NUMBERS_SHOWN]
    if missing and (recorded.open_create(group.customer_reference) or cut):
        # A create was sent but its answer never recorded (a crash), or an earlier version
        # recorded only the first 50 numbers of an order: look the orders up by reference.
        await _adopt_by_reference(ledger, api, state, recorded, group, mine)
        taken = {n for o in mine.values() for n in o.phone_numbers}
        missing = [n for n in missing if n not in taken]
    if missing:
        for order in await create(ledger, api, state, group, missing):
            mine[order.order_id] = order
    return sorted(mine.values(), key=lambda o: o.order_id)


async def _adopt_by_reference(
    ledger: Ledger,
    api: PortingApi,
    state: RunState,
    recorded: Recorded,
    group: OrderGroup,
    mine: dict[str, OrderRecord],
) -> None:
    """Add to ``mine`` the orders the API holds under the group's references, with all their
    numbers, and settle the creates an earlier run left open."""
    references = {group.customer_reference, *(r.customer_reference for r in mine.values())}
    known_ids = {o.order_id: o for o in recorded.orders.values()}
    for reference in sorted(references):
        for order in await api.find_orders_by_reference(reference):
            order_id = str(order.id)
            existing = known_ids.get(order_id) or mine.get(order_id)
            if existing is None:
                record = order_record(state, group, order, await all_numbers(api, order))
                ledger.save_order(record)
                mine[record.order_id] = record
            elif holds_more_than_shown(order) or len(existing.phone_numbers) < (
                order.porting_phone_numbers_count or 0
            ):
                existing.phone_numbers = await all_numbers(api, order)
                ledger.save_order(existing)
                mine[order_id] = existing
    for intent in ledger.open_intents_for(
        state.batch_id, group.customer_reference, kinds=("create",)
    ):
        ledger.settle_intent(intent["intent_id"], "done", "adopted after restart")


async def create(
    ledger: Ledger, api: PortingApi, state: RunState, group: OrderGroup, numbers: list[str]
) -> list[OrderRecord]:
    """Create the orders of ``numbers``; numbers the API refuses one by one are left out
    (and told), and the create is sent again without them."""
    payload_hash = hashlib.sha256(json.dumps(sorted(numbers)).encode()).hexdigest()
    remaining = list(numbers)
    while remaining:
        intent = Intent(ledger, state.batch_id, "create", group.customer_reference, payload_hash)
        try:
            orders = await api.create_orders(
                remaining,
                customer_reference=group.customer_reference,
                customer_group_reference=group_reference(group, state.batch_id),
                on_send=intent.record,
            )
        except UnprocessableEntityError as exc:
            refused = refused_numbers(state, exc, remaining)
            intent.settle("failed", str(exc))
            if not refused:
                raise
            remaining = [n for n in remaining if n not in refused]
            continue
        except ApiError as exc:
            if not isinstance(exc, NoResponseError | ServerError):
                intent.settle("failed", str(exc))
            # Otherwise the create may have landed: the open intent makes the next run
            # look it up by reference before creating anything.
            raise
        records = [
            order_record(state, group, order, await all_numbers(api, order)) for order in orders
        ]
        # The orders and the settled intent together: a crash before this leaves the
        # intent open, and the next run adopts the orders by reference.
        intent.settle("done", ",".join(r.order_id for r in records), orders=records)
        planned = [p for p in group.planned if any(n in remaining for n in p.phone_numbers)]
        for difference in compare_split(planned, [r.phone_numbers for r in records]):
            state.extra_issues.append(
                Issue(
                    severity=Severity.WARNING,
                    message=f"{group.account}: {difference}; the API's split was adopted",
                    code="split_differs",
                    source="api",
                )
            )
        return records
    return []


def refused_numbers(
    state: RunState, exc: UnprocessableEntityError, sent: list[str]
) -> dict[str, str]:
    """Numbers a create refused one by one (already in an order, not portable ...), each
    left out of the run with its reason."""
    refused: dict[str, str] = {}
    for item in exc.errors:
        match = _NUMBER_POINTER.fullmatch(item.pointer or "")
        if not match or int(match.group(1)) >= len(sent):
            continue
        number = sent[int(match.group(1))]
        refused[number] = item.detail or item.title
        in_order = item.code in {"80003"} or "order" in (item.detail or "").lower()
        outcome = Outcome.ALREADY_IN_ORDER if in_order else Outcome.NOT_PORTABLE
        state.skipped[number] = Skip(outcome, item.detail or item.title)
    return refused


def order_record(
    state: RunState, group: OrderGroup, order: PortingOrder, numbers: list[str]
) -> OrderRecord:
    """The ledger's record of an order the API made (not yet saved)."""
    activation = order.activation_settings
    return OrderRecord(
        order_id=str(order.id),
        batch_id=state.batch_id,
        group_key=group.key,
        customer_reference=group.customer_reference,
        status=order_status(order),
        phone_numbers=numbers,
        country=numbers_country(state, group, numbers),
        phone_number_type=order.phone_number_type or "",
        carrier=order.old_service_provider_ocn or "",
        fast_port=bool(activation.fast_port_eligible) if activation is not None else False,
        support_key=order.support_key or "",
    )


def numbers_country(state: RunState, group: OrderGroup, numbers: list[str]) -> str:
    """The country of an order's numbers: from their portability answers, else the plan's
    split (a porting phone number object names no country, and the API splits orders by
    country, so the first number's is the order's)."""
    for number in numbers:
        answer = state.answers.get(number)
        if answer is not None and answer.country:
            return answer.country.upper()
        for planned in group.planned:
            if number in planned.phone_numbers and planned.key.country:
                return planned.key.country
    return ""
