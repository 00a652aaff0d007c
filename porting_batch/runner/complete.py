"""One order made whole: read when in doubt, FOC chosen, one PATCH, confirmed when asked.

Each write's intent is recorded just before it is sent and settled with the order's record in
one transaction, so that a re-run after a crash knows which writes may have landed. Telnyx's
refusals of the operator's data become errors on the cells that supplied it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from porting_batch.errors import ApiError, UnprocessableEntityError
from porting_batch.foc import FocChoice, Window, choose_foc
from porting_batch.ledger import OrderRecord
from porting_batch.order_numbers import all_numbers
from porting_batch.order_patch import build_patch
from porting_batch.plan import OrderGroup
from porting_batch.runner import sent
from porting_batch.runner.api import order_status
from porting_batch.runner.context import Run, logger
from porting_batch.runner.documents import DocumentsGone, gone_documents
from porting_batch.runner.intents import Intent, Recorded
from porting_batch.runner.refusals import refuse, refused_data_issues
from porting_batch.runner.resubmit import send_changes
from porting_batch.runner.state import (
    CONFIRM_PREFIX,
    EDITABLE_STATUSES,
    EXCEPTION_PREFIX,
    is_held,
)


def patch_fingerprint(group_fingerprint: str, documents: Mapping[str, str]) -> str:
    """What an order's PATCH carried: the group's data and its document ids."""
    return hashlib.sha256(
        (group_fingerprint + json.dumps(dict(documents), sort_keys=True)).encode()
    ).hexdigest()


async def complete_order(
    run: Run, recorded: Recorded, group: OrderGroup, record: OrderRecord, documents: dict[str, str]
) -> None:
    """Bring one order to what the file and the run ask: PATCHed with the file's current data
    (and FOC), confirmed under ``--confirm``. API failures propagate."""
    await _refresh_if_in_doubt(run, recorded, record)
    fingerprint = patch_fingerprint(group.fingerprint, documents)
    legacy = patch_fingerprint(group.legacy_fingerprint, documents)
    if group.legacy_fingerprint and record.patched_fingerprint == legacy:
        # Patched by a version that hashed without the key: the same data, so only the
        # record changes (no PATCH, and no "data changed" on a submitted order).
        record.patched_fingerprint = fingerprint
        run.ledger.save_order(record)
    # PATCHed before with other data: only what the sheet changed is sent (run and fix).
    changed = bool(record.patched_fingerprint) and record.patched_fingerprint != fingerprint
    if changed and not await send_changes(run, group, record, documents, fingerprint):
        return
    needs_patch = record.patched_fingerprint != fingerprint
    editable = record.status in EDITABLE_STATUSES
    if needs_patch and not editable:
        if record.patched_fingerprint:
            record.attention = (
                f"the file's order data changed, but the order is {record.status}; "
                "it was not edited"
            )
            run.ledger.save_order(record)
        needs_patch = False
    choice: FocChoice | None = None
    if not needs_patch and editable and is_held(record):
        # Held for a FOC beyond the windows: set it once a window reaches it.
        choice = await _choose_foc(run, group, record)
        needs_patch = not choice.held
    if needs_patch:
        choice = choice or await _choose_foc(run, group, record)
        if not await _patch(run, group, record, choice, documents, fingerprint):
            return
    confirm = run.state.options.confirm
    held = is_held(record) or group.key in run.state.csr_holds
    if confirm and record.status == "draft" and record.patched_fingerprint and not held:
        await _confirm(run, group, record)
    _clear_attention_if_reached(run, record, fingerprint)


async def _patch(
    run: Run,
    group: OrderGroup,
    record: OrderRecord,
    choice: FocChoice,
    documents: dict[str, str],
    fingerprint: str,
) -> bool:
    """Send the order's one PATCH; False when Telnyx refused the data (mapped to cells)."""
    batch_id = run.state.batch_id
    body = build_patch(
        group.fields,
        customer_reference=group.customer_reference,
        customer_group_reference=sent.group_reference(group, batch_id),
        foc=choice.at,
        documents=documents,
    )
    intent = Intent(run.ledger, batch_id, "patch", record.order_id, fingerprint)
    try:
        order = await run.api.update_order(record.order_id, body, on_send=intent.record)
    except UnprocessableEntityError as exc:
        gone = gone_documents(exc, documents)
        if gone:
            # Not the operator's data: uploads Telnyx has since deleted. Uploaded again.
            intent.settle("failed", str(exc))
            raise DocumentsGone(gone) from exc
        run.state.extra_issues.extend(refused_data_issues(group, record, exc))
        record.attention = "; ".join(item.describe() for item in exc.errors) or str(exc)
        record.patched_fingerprint = ""
        intent.settle("failed", str(exc), orders=[record])
        return False
    except ApiError as exc:
        intent.settle("failed", str(exc))
        raise
    record.status = order_status(order) or record.status
    record.foc_chosen = choice.at.isoformat() if choice.at else ""
    record.foc_reason = choice.reason.value
    record.documents = dict(documents)
    record.patched_fingerprint = fingerprint
    record.customer_reference = group.customer_reference  # the PATCH set it
    record.attention = ""
    # What each field now holds lands with the PATCH's answer: never one without the other.
    values = sent.field_values(group, documents)
    fingerprints = sent.fingerprints(run.settings, values)
    intent.settle("done", orders=[record], sent=(batch_id, record.order_id, fingerprints))
    return True


async def _confirm(run: Run, group: OrderGroup, record: OrderRecord) -> bool:
    """Confirm once (the client recovers a lost answer); False when Telnyx refused it."""
    intent = Intent(run.ledger, run.state.batch_id, "confirm", record.order_id)
    try:
        order = await run.api.confirm_order(record.order_id, on_send=intent.record)
    except UnprocessableEntityError as exc:
        refuse(run, group, record, exc, "confirm", intent)
        return False
    # Any other failure leaves the intent open: the next run reads the order to learn
    # whether the confirm landed.
    record.status = order_status(order) or "in-process"
    record.confirmed = True
    # Telnyx gives a submitted order its support key: the one operators quote to support.
    record.support_key = order.support_key or record.support_key
    intent.settle("done", orders=[record])
    return True


def _clear_attention_if_reached(run: Run, record: OrderRecord, fingerprint: str) -> None:
    """Attention whose cause is gone is cleared: the order is in the state its step wanted.

    Tracking's exceptions are left to tracking; a refused confirm is gone once the order
    is no longer a draft; anything else once the file's current data has landed.
    """
    attention = record.attention
    if not attention or attention.startswith(EXCEPTION_PREFIX):
        return
    if attention.startswith(CONFIRM_PREFIX):
        reached = record.status not in EDITABLE_STATUSES
    else:
        reached = record.patched_fingerprint == fingerprint and (
            not run.state.options.confirm
            or record.status not in EDITABLE_STATUSES
            or is_held(record)
        )
    if reached:
        logger.info("order %s: attention cleared (%s)", record.order_id, attention[:80])
        record.attention = ""
        run.ledger.save_order(record)


async def _refresh_if_in_doubt(run: Run, recorded: Recorded, record: OrderRecord) -> None:
    """Read the order when the ledger may be behind it: after a crash between sending a
    PATCH or confirm and recording its answer, or when it carries attention that a step
    (perhaps one whose answer was lost) may since have resolved."""
    doubtful = []
    if record.order_id in recorded.open_intents:
        # One indexed query, asked only of the orders an earlier run left an intent open on.
        doubtful = run.ledger.open_intents_for(
            run.state.batch_id, record.order_id, kinds=("patch", "confirm")
        )
    flagged = bool(record.attention) and not record.attention.startswith(EXCEPTION_PREFIX)
    if not doubtful and not flagged:
        return
    order = await run.api.get_order(record.order_id)
    status = order_status(order)
    changed = False
    if status and status != record.status:
        record.status = status
        record.confirmed = record.confirmed or status != "draft"
        changed = True
    if order.support_key and order.support_key != record.support_key:
        record.support_key = order.support_key
        changed = True
    count = order.porting_phone_numbers_count
    if count is not None and count != len(record.phone_numbers):
        record.phone_numbers = await all_numbers(run.api, order)
        changed = True
    if changed:
        run.ledger.save_order(record)
    for intent in doubtful:
        # A PATCH in doubt is simply sent again (its fingerprint was never recorded).
        run.ledger.settle_intent(intent["intent_id"], "unknown", "resolved by reading the order")


async def _choose_foc(run: Run, group: OrderGroup, record: OrderRecord) -> FocChoice:
    raw = await run.api.allowed_foc_windows(record.order_id)
    windows = [Window(w.started_at, w.ended_at) for w in raw]
    return choose_foc(windows, group.requested_foc, run.state.options.foc_policy)
