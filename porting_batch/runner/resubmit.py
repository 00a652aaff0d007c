"""An order already PATCHed, its sheet corrected since: only the changed fields are sent, and an
order in ``exception`` is resubmitted. ``run`` and ``fix`` both come here (via
``complete_order``), so the corrected original and ``porting-batch fix`` behave alike.

The order is read first (the ledger may be behind the carrier): ``draft`` and ``exception`` take
the PATCH; any other status takes nothing, and the operator is told that no change is possible.
After a crash between the PATCH and the resubmit, the fields already match, the ledger still
says ``exception`` and the last write recorded was that PATCH: the resubmit alone follows.
"""

from __future__ import annotations

import json
from typing import Any

from porting_batch.errors import ApiError, UnprocessableEntityError
from porting_batch.foc import Window, choose_foc
from porting_batch.ledger import OrderRecord, OrderStatus
from porting_batch.plan import OrderGroup
from porting_batch.runner import sent
from porting_batch.runner.api import order_status
from porting_batch.runner.context import Run, logger
from porting_batch.runner.intents import Intent
from porting_batch.runner.refusals import refuse, refused_data_issues
from porting_batch.runner.state import EXCEPTION_PREFIX, parse_time

#: Statuses in which a fix from the sheet is PATCHed (Telnyx allows more; the issue asks these).
FIXABLE = frozenset({OrderStatus.DRAFT.value, OrderStatus.EXCEPTION.value})
#: What the report shows for an order that was resubmitted after its fix.
RESUBMITTED = "resubmitted"


async def send_changes(
    run: Run, group: OrderGroup, record: OrderRecord, documents: dict[str, str], fingerprint: str
) -> bool:
    """Send what the sheet changed since the order's last PATCH; True when the order now holds
    the sheet's data (the caller may go on to confirm a draft), False when it stops here."""
    values = sent.field_values(group, documents)
    stored = run.ledger.sent_fields(record.order_id)
    current = sent.never_set(sent.fingerprints(run.settings, values), values, stored)
    # Patched by a version that kept no field fingerprints: which field changed is unknown.
    changed = sent.changed_paths(current, stored) if stored else sorted(current)
    if not changed:
        return await _nothing_to_send(run, group, record, fingerprint)
    await _read_status(run, record)
    if record.status not in FIXABLE:
        names = ", ".join(changed)
        record.attention = (
            f"the sheet changed {names}, but the order is {record.status}: no change possible "
            "from the sheet (edit it in the portal or ask Telnyx support)"
        )
        run.state.sent[record.order_id] = [f"no change possible ({names})"]
        run.ledger.save_order(record)
        return False
    if record.status == OrderStatus.EXCEPTION and await _foc_passed(run, record):
        # A resubmit needs a FOC inside today's windows; the one sent may have passed.
        changed = sorted({*changed, sent.FOC_PATH})
    if not await _patch_fields(run, group, record, values, changed):
        return False
    run.ledger.save_sent_fields(run.batch_id, record.order_id, current)
    run.state.sent[record.order_id] = list(changed)
    if record.status == OrderStatus.EXCEPTION:
        return await _resubmit(run, group, record, fingerprint)
    record.patched_fingerprint = fingerprint
    run.ledger.save_order(record)
    return True


async def _nothing_to_send(
    run: Run, group: OrderGroup, record: OrderRecord, fingerprint: str
) -> bool:
    """No field changed: finish a fix whose resubmit was cut off, else only record the sheet."""
    if record.status == OrderStatus.EXCEPTION and _last_write_was_patch(run, record):
        if await _foc_passed(run, record):
            values = sent.field_values(group, {})
            if not await _patch_fields(run, group, record, values, [sent.FOC_PATH]):
                return False
        return await _resubmit(run, group, record, fingerprint)
    if record.status != OrderStatus.EXCEPTION and record.attention.startswith(EXCEPTION_PREFIX):
        # Read as moved on (a resubmit whose answer was lost landed): as tracking would, the
        # exception's attention goes with it.
        record.attention = ""
    record.patched_fingerprint = fingerprint
    run.ledger.save_order(record)
    return True


def _last_write_was_patch(run: Run, record: OrderRecord) -> bool:
    # A resubmit in doubt was settled "unknown" after reading the order, which is still in
    # exception: it did not land, and the PATCH before it still awaits its resubmit.
    writes = [
        i
        for i in run.ledger.intents_for(run.batch_id)
        if i["target"] == record.order_id
        and (i["kind"] == "patch" or (i["kind"] == "confirm" and i["state"] != "unknown"))
    ]
    return bool(writes) and writes[-1]["kind"] == "patch" and writes[-1]["state"] == "done"


async def _foc_passed(run: Run, record: OrderRecord) -> bool:
    """Whether the order's FOC lies in none of the windows Telnyx offers now."""
    chosen = parse_time(record.foc_chosen)
    if chosen is None:
        return True
    windows = await run.api.allowed_foc_windows(record.order_id)
    return not any(w.started_at <= chosen <= w.ended_at for w in windows)


async def _read_status(run: Run, record: OrderRecord) -> None:
    order = await run.api.get_order(record.order_id)
    status = order_status(order)
    if status and status != record.status:
        logger.info("order %s: %s at Telnyx (ledger: %s)", record.order_id, status, record.status)
        record.status = status
        record.confirmed = record.confirmed or status != OrderStatus.DRAFT
        run.ledger.save_order(record)


async def _patch_fields(
    run: Run, group: OrderGroup, record: OrderRecord, values: dict[str, str], changed: list[str]
) -> bool:
    """PATCH only ``changed`` (a new FOC chosen when the requested one changed)."""
    body: dict[str, Any] = sent.partial_body(values, changed)
    if sent.FOC_PATH in changed:
        raw = await run.api.allowed_foc_windows(record.order_id)
        windows = [Window(w.started_at, w.ended_at) for w in raw]
        choice = choose_foc(windows, group.requested_foc, run.state.options.foc_policy)
        record.foc_chosen = choice.at.isoformat() if choice.at else ""
        record.foc_reason = choice.reason.value
        if choice.at is not None:
            at = choice.at.isoformat().replace("+00:00", "Z")
            body["activation_settings"] = {"foc_datetime_requested": at}
    if not body:
        return True
    intent = Intent(run.ledger, run.batch_id, "patch", record.order_id, "fix")
    try:
        order = await run.api.update_order(record.order_id, body, on_send=intent.record)
    except UnprocessableEntityError as exc:
        run.state.extra_issues.extend(refused_data_issues(group, record, exc))
        record.attention = "; ".join(item.describe() for item in exc.errors) or str(exc)
        run.state.sent[record.order_id] = [f"refused ({', '.join(changed)})"]
        intent.settle("failed", str(exc), orders=[record])
        return False
    except ApiError as exc:
        intent.settle("failed", str(exc))
        raise
    record.status = order_status(order) or record.status
    if "documents.loa" in changed or "documents.invoice" in changed:
        record.documents = dict(record.documents) | _documents(values)
    intent.settle("done", "fields: " + ", ".join(changed), orders=[record])
    return True


def _documents(values: dict[str, str]) -> dict[str, str]:
    found = {}
    for kind in ("loa", "invoice"):
        text = values.get(f"documents.{kind}")
        if text:
            found[kind] = str(json.loads(text))
    return found


async def _resubmit(run: Run, group: OrderGroup, record: OrderRecord, fingerprint: str) -> bool:
    """Confirm the corrected order again (R6): it goes back to in-process."""
    intent = Intent(run.ledger, run.batch_id, "confirm", record.order_id)
    try:
        order = await run.api.confirm_order(
            record.order_id, on_send=intent.record, from_status=OrderStatus.EXCEPTION.value
        )
    except UnprocessableEntityError as exc:
        refuse(run, group, record, exc, "resubmit", intent)
        return False
    record.status = order_status(order) or OrderStatus.IN_PROCESS.value
    record.confirmed = True
    record.attention = ""
    record.patched_fingerprint = fingerprint
    run.state.sent.setdefault(record.order_id, []).append(RESUBMITTED)
    intent.settle("done", orders=[record])
    return True
