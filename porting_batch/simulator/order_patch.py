"""PATCH /porting_orders/{id}: validate every section, apply all or nothing, then follow up.

The sections' validators are in ``patch_sections``; here are the editable statuses, the run over
the table, and what an applied change sets off (a moved FOC goes back to the carrier, a new LOA
is an event).
"""

from __future__ import annotations

from typing import Any

from porting_batch.simulator import associated, requirements
from porting_batch.simulator.lifecycle import FOC_CONFIRM_STEP, FOC_RECONFIRM_DELAY_S
from porting_batch.simulator.patch_sections import (
    PATCH_KEYS,
    SECTIONS,
    Patch,
    check_object,
    messaging_profile_check,
)
from porting_batch.simulator.problems import error, unprocessable
from porting_batch.simulator.state import SimState
from porting_batch.simulator.store import plain_copy

EDITABLE_STATUSES = frozenset(
    {"draft", "in-process", "submitted", "exception", "foc-date-confirmed"}
)


def patch_order(state: SimState, order: dict[str, Any], body: Any) -> dict[str, Any]:
    """Apply a partial update, all or nothing; raise a 422 listing every invalid field."""
    status = order["status"]["value"]
    if status not in EDITABLE_STATUSES:
        raise unprocessable(
            [
                error(
                    "10015",
                    f"The porting order is '{status}' and can no longer be edited.",
                    pointer="/",
                )
            ]
        )
    errors: list[dict[str, Any]] = []
    if not check_object(errors, "", body, PATCH_KEYS):
        raise unprocessable([error("10015", "The request body must be a JSON object.")])
    # The numbers (in _sim) never change in a PATCH: leave them out of the working copy.
    updated = {key: plain_copy(value) for key, value in order.items() if key != "_sim"}
    patch = Patch(state=state, order=order, body=body, updated=updated, errors=errors)
    for key, validate in SECTIONS:
        if key in body:
            validate(patch, body[key])
    messaging_profile_check(patch)
    if errors:
        raise unprocessable(errors)
    _apply(state, order, updated)
    return order


def _apply(state: SimState, order: dict[str, Any], updated: dict[str, Any]) -> None:
    """Make the validated working copy the order, and set off what the change calls for."""
    loa_changed = updated["documents"]["loa"] != order["documents"]["loa"]
    foc_moved = (
        order["status"]["value"] == "foc-date-confirmed"
        and updated["activation_settings"]["foc_datetime_requested"]
        != order["activation_settings"]["foc_datetime_requested"]
    )
    order.update(updated)
    order["requirements_met"] = requirements.requirements_met(state, order)
    associated.refresh_steps(state, order)
    if foc_moved:
        # The carrier confirmed the old date: a new one goes back to it for confirmation.
        order["activation_settings"]["foc_datetime_actual"] = None
        for job in state.store.all("activation_jobs"):
            if job["_order_id"] == order["id"] and job["status"] == "created":
                state.store.delete("activation_jobs", job["id"])
        state.schedule(order, FOC_RECONFIRM_DELAY_S, FOC_CONFIRM_STEP)
        state.set_status(order, "submitted")
    else:
        state.save_order(order)
    if loa_changed:
        state.add_event(order, "porting_order.loa_updated", None)
