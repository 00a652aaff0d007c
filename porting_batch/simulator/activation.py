"""Realistic on-demand activation (rule R19): opt-in, the documented windows, an async job.

By default an order ports at its FOC (``activation_type: scheduled``). A FastPort order whose
``activation_settings.activation_type`` was PATCHed to ``on-demand`` gets an activation job at
``foc-date-confirmed`` whose window is the country's, in US Central time, on the FOC date
(docs: on-demand activations). ``actions/activate`` inside it starts the job, which completes
(and ports the order) a few simulated minutes later; nobody activating ports it at the window's
end. The lenient profile keeps rule 16.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from porting_batch.simulator.clock import iso, parse_iso
from porting_batch.simulator.problems import error, unprocessable

if TYPE_CHECKING:
    from porting_batch.simulator.state import SimState

ACTIVATION_STEP = "activation"
CENTRAL = ZoneInfo("America/Chicago")
#: The docs' activation windows, US Central time: US 6 AM-8 PM, Canada 8 AM-3 PM.
WINDOWS = {"US": (time(6, 0), time(20, 0)), "CA": (time(8, 0), time(15, 0))}
#: How long a started activation job runs before it completes; the docs give no figure.
RUN_TIME = timedelta(minutes=5)


def on_demand(order: dict[str, Any]) -> bool:
    """Whether the order opted in to on-demand activation."""
    return order["activation_settings"].get("activation_type") == "on-demand"


def window(order: dict[str, Any], foc: datetime) -> tuple[datetime, datetime]:
    """The activation window on the FOC's date (in Central time), as UTC-aware datetimes."""
    opens, closes = WINDOWS.get(order["_sim"]["country_code"], WINDOWS["US"])
    day = foc.astimezone(CENTRAL).date()
    start = datetime.combine(day, opens, tzinfo=CENTRAL).astimezone(foc.tzinfo)
    end = datetime.combine(day, closes, tzinfo=CENTRAL).astimezone(foc.tzinfo)
    return start, end


def create_job(state: SimState, order: dict[str, Any], foc: datetime) -> datetime:
    """The order's on-demand activation job (``activate_at`` = window end); returns that end."""
    start, end = window(order, foc)
    add_job(state, order, start, end)
    return end


def add_job(state: SimState, order: dict[str, Any], start: datetime, end: datetime) -> None:
    """Store a new on-demand activation job of ``order`` whose window is ``start``-``end``."""
    now = state.now_iso()
    job = {
        "id": state.new_id(),
        "status": "created",
        "activation_type": "on-demand",
        "activate_at": iso(end),
        "activation_windows": [{"start_at": iso(start), "end_at": iso(end)}],
        "record_type": "porting_activation_job",
        "created_at": now,
        "updated_at": now,
        "_order_id": order["id"],
    }
    state.store.put("activation_jobs", job)


def _refuse(detail: str) -> None:
    raise unprocessable([error("10015", detail, pointer="/")])


def start(state: SimState, order: dict[str, Any]) -> dict[str, Any]:
    """``actions/activate`` in the realistic profile: the job goes ``in-process`` now."""
    if not on_demand(order):
        _refuse(
            "The order uses scheduled activation: PATCH activation_settings.activation_type "
            "'on-demand' before its FOC is confirmed."
        )
    status = order["status"]["value"]
    if status != "foc-date-confirmed":
        _refuse(f"On-demand activation needs the order in 'foc-date-confirmed'; it is '{status}'.")
    job = next(
        (j for j in state.store.all("activation_jobs") if j["_order_id"] == order["id"]), None
    )
    if job is None or job["status"] != "created":
        _refuse("The order has no activation job waiting to start.")
    assert job is not None
    opens, closes = (parse_iso(job["activation_windows"][0][k]) for k in ("start_at", "end_at"))
    now = state.now()
    if not opens <= now <= closes:
        _refuse(f"Activation is only possible between {iso(opens)} and {iso(closes)}.")
    job["status"] = "in-process"
    job["activate_at"] = iso(now)
    job["updated_at"] = iso(now)
    state.store.put("activation_jobs", job)
    state.schedule_at(order, now + RUN_TIME, ACTIVATION_STEP)
    state.save_order(order)
    return job
