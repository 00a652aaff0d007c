"""The admin routes under /_simulator: clock, faults, rate limit, reset, webhooks, status."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator import orders
from porting_batch.simulator.clock import iso
from porting_batch.simulator.handlers import sim_of
from porting_batch.simulator.http import (
    JSON,
    json_body,
    problem_response,
)
from porting_batch.simulator.lifecycle import EXCEPTION_DESCRIPTIONS
from porting_batch.simulator.limits import RateLimiter
from porting_batch.simulator.problems import Problem, error, not_found


async def admin_clock(request: Request) -> Response:
    """GET /_simulator/clock."""
    state = sim_of(request)
    return JSON({"now": state.now_iso(), "speed": state.clock.speed})


async def admin_advance(request: Request) -> Response:
    """POST /_simulator/clock/advance {"seconds": N} or {"days": N} (or hours, minutes)."""
    state = sim_of(request)
    try:
        body = await json_body(request)
    except Problem as problem:
        return problem_response(problem)
    if not isinstance(body, dict):
        body = {}
    units = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
    try:
        seconds = sum(float(body.get(unit, 0)) * factor for unit, factor in units.items())
        moment = state.advance(seconds)
    except (TypeError, ValueError) as exc:
        return JSON({"errors": [error("10015", str(exc))]}, status_code=422)
    state.store.flush()
    return JSON({"now": iso(moment), "speed": state.clock.speed})


async def admin_faults(request: Request) -> Response:
    """GET or PUT /_simulator/faults."""
    state = sim_of(request)
    if request.method == "PUT":
        try:
            body = await json_body(request)
            if not isinstance(body, dict):
                raise ValueError("the body must be a JSON object of fault settings")
            state.faults.update(body)
        except Problem as problem:
            return problem_response(problem)
        except (TypeError, ValueError) as exc:
            return JSON({"errors": [error("10015", str(exc))]}, status_code=422)
    return JSON(state.faults.to_dict())


async def admin_rate_limit(request: Request) -> Response:
    """GET or PUT /_simulator/rate_limit {"per_s": N or null, "burst": N or null}."""
    state = sim_of(request)
    if request.method == "PUT":
        try:
            body = await json_body(request)
            if not isinstance(body, dict) or set(body) - {"per_s", "burst"}:
                raise ValueError('send {"per_s": N or null, "burst": N or null}')
            per_s = None if body.get("per_s") is None else float(body["per_s"])
            burst = None if body.get("burst") is None else float(body["burst"])
            if (per_s is not None and per_s <= 0) or (burst is not None and burst < 1):
                raise ValueError("per_s must be above 0 and burst at least 1")
        except Problem as problem:
            return problem_response(problem)
        except (TypeError, ValueError) as exc:
            return JSON({"errors": [error("10015", str(exc))]}, status_code=422)
        state.limiter = RateLimiter(per_s, burst)
    limiter = state.limiter
    return JSON({"per_s": limiter.rate, "burst": limiter.burst if limiter.rate else None})


async def admin_reset(request: Request) -> Response:
    """POST /_simulator/reset: forget every order, document, event and CSR."""
    state = sim_of(request)
    state.reset()
    return JSON({"reset": True, "now": state.now_iso()})


async def admin_webhooks(request: Request) -> Response:
    """GET /_simulator/webhooks: the delivery log, newest last."""
    return JSON({"data": list(sim_of(request).webhook_log)})


async def admin_webhook_public_key(request: Request) -> Response:
    """GET /_simulator/webhook_public_key: the Ed25519 key that verifies the webhooks' signature."""
    return JSON(
        {"public_key": request.app.state.webhooks.signer.public_key, "algorithm": "ed25519"}
    )


async def admin_order_status(request: Request) -> Response:
    """POST /_simulator/porting_orders/{id}/status {"value", "details"?}: force a status."""
    state = sim_of(request)
    order = state.order_or_none(request.path_params["id"])
    if order is None:
        return problem_response(not_found("porting order", request.path_params["id"]))
    try:
        body = await json_body(request)
    except Problem as problem:
        return problem_response(problem)
    if not isinstance(body, dict):
        body = {}
    value = body.get("value")
    codes = body.get("details") or []
    allowed = {
        "draft", "in-process", "submitted", "exception",
        "foc-date-confirmed", "ported", "cancelled", "cancel-pending",
    }  # fmt: skip
    if value not in allowed or any(code not in EXCEPTION_DESCRIPTIONS for code in codes):
        return JSON(
            {"errors": [error("10015", "unknown status or exception code")]}, status_code=422
        )
    details = [{"code": code, "description": EXCEPTION_DESCRIPTIONS[code]} for code in codes]
    state.schedule(order, None, None)
    state.set_status(order, value, details)
    state.store.flush()
    return JSON({"data": orders.render(order)})
