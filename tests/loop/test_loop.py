"""The whole loop on the realistic simulator and its clock, in process: a batch confirmed, one
order rejected by the carrier for data, the tracking report naming the cell and the fix, the
sheet corrected and fixed, the order resubmitted and ported."""

from __future__ import annotations

from typing import Any

import pytest

from porting_batch.runner import BatchOptions, run_batch
from porting_batch.runner.fix import fix_batch
from porting_batch.simulator.carriers import record_for
from porting_batch.tracking import write_tracking
from tests.fix.helpers import Recording

from .conftest import GOOD, HEADER, REJECTED, row_for
from .helpers import order_of, sheet_rows, status_of, track_until

pytestmark = pytest.mark.anyio

WRONG_ENTITY = "Keystone Dentistry"
#: The entity name is the sheet's second column; the rejected row is the file's third line.
ENTITY_CELL = f"{chr(ord('A') + HEADER.index('entity_name'))}3"


def _now(app: Any) -> Any:
    return app.state.sim.clock.now()


async def test_a_rejection_is_reported_with_its_cell_fixed_from_the_sheet_and_ported(
    settings, ledger, sim_app, write_batch
):
    """Rejected for its entity name, the order's Needs-action line names the cell and the
    carrier's value; the corrected sheet PATCHes that field alone, resubmits, and it ports."""
    recording = Recording(sim_app)
    right = record_for(REJECTED).admin()["entity_name"]
    path = write_batch([row_for(GOOD), row_for(REJECTED, entity_name=WRONG_ENTITY)])
    async with recording.client() as client:
        await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
        rejected, good = order_of(ledger, REJECTED), order_of(ledger, GOOD)
        changes = await track_until(sim_app, client, ledger, rejected, "exception", 24 * 7)

        csr = {REJECTED: record_for(REJECTED).admin()}
        look = write_tracking(settings, ledger, changes, _now(sim_app), "batch", csr)
        needs = sheet_rows(look.files.xlsx, "Needs action")
        [line] = [r for r in needs if r["Order id"] == rejected and r["Code"] != "foc_locked"]
        assert line["Code"] == "ENTITY_NAME_MISMATCH"
        assert line["Input cell"] == f"batch!{ENTITY_CELL}"
        assert line["Current value"] == WRONG_ENTITY
        assert line["Carrier's value"] == right
        assert f"the carrier has '{right}'" in line["What to do"]
        assert f"correct {line['Input cell']}" in line["What to do"]
        assert good not in {o.order_id for o in look.needs_action}
        orders = {r["Order id"]: r for r in sheet_rows(look.files.xlsx, "Orders")}
        assert "-> exception" in orders[rejected]["Changed since last look"]

        before = len(recording.seen)
        fixed = write_batch([row_for(GOOD), row_for(REJECTED)])
        await fix_batch(settings, ledger, client, "batch", fixed)
        sent = recording.seen[before:]
        [patch] = [body for method, _, body in sent if method == "PATCH"]
        # The corrected cell, and a new FOC: the first one passed while the order was rejected.
        assert patch["end_user"] == {"admin": {"entity_name": right}}
        assert set(patch) == {"end_user", "activation_settings"}
        confirms = [p for m, p, _ in sent if m == "POST" and p.endswith("/actions/confirm")]
        assert confirms == [f"/v2/porting_orders/{rejected}/actions/confirm"]
        assert not [r for r in sent if good in r[1]]

        changes = await track_until(sim_app, client, ledger, rejected, "ported", 24 * 30)
        look = write_tracking(settings, ledger, changes, _now(sim_app), "batch")
    assert status_of(ledger, rejected) == "ported"
    assert rejected not in {o.order_id for o in look.needs_action}
    orders = {r["Order id"]: r for r in sheet_rows(look.files.xlsx, "Orders")}
    assert orders[rejected]["Status"] == "ported"
    assert "-> ported" in orders[rejected]["Changed since last look"]
