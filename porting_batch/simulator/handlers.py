"""Helpers every route handler shares: state lookup, errors as answers, order answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route

from porting_batch.simulator import orders
from porting_batch.simulator.clock import parse_iso
from porting_batch.simulator.http import (
    JSON,
    bool_param,
    problem_response,
)
from porting_batch.simulator.problems import Problem, error, not_found
from porting_batch.simulator.state import SimState

#: The catch-all route's path (answers every unserved method and path).
CATCH_ALL = "/{path:path}"
#: Catalog code for a method the path does not serve (docs/simulator.md: unverified number).
METHOD_NOT_ALLOWED = "10033"

Handler = Callable[[Request], Awaitable[Response]]


def sim_of(request: Request) -> SimState:
    """The simulator state behind the app serving this request."""
    state: SimState = request.app.state.sim
    return state


def handles_problems(handler: Handler) -> Handler:
    """Turn a raised Problem into its JSON:API answer."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except Problem as problem:
            return problem_response(problem)

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def order_from(request: Request, name: str = "id") -> dict[str, Any]:
    """The order named by a path parameter, or a 404."""
    order_id = request.path_params[name]
    order = sim_of(request).order_or_none(order_id)
    if order is None:
        raise not_found("porting order", order_id)
    return order


def order_answer(order: dict[str, Any], request: Request, status: int = 200) -> Response:
    """``{data, meta}`` for one order, honouring ``include_phone_numbers``."""
    include = bool_param(request, "include_phone_numbers", True)
    return JSON(
        {
            "data": orders.render(order, include_phone_numbers=include),
            "meta": orders.order_meta(order),
        },
        status_code=status,
    )


def sort_value(request: Request, allowed: set[str], default: str) -> str:
    """``sort[value]`` (or ``sort``), checked against the allowed values."""
    value = request.query_params.get("sort[value]", request.query_params.get("sort", default))
    if value not in allowed:
        raise Problem(
            422,
            [
                error(
                    "10015",
                    f"sort[value] must be one of {sorted(allowed)}; got {value!r}.",
                    parameter="sort[value]",
                )
            ],
        )
    return value


def parse_bound(value: str, parameter: str) -> Any:
    """An ISO-8601 filter bound, or a 422 naming the parameter."""
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise Problem(
            422, [error("10015", f"{value!r} is not an ISO-8601 date-time.", parameter=parameter)]
        ) from exc


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """An object without its internal (underscore) fields."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def not_simulated_problem(request: Request) -> Problem:
    """The 404 for a method and path the simulator does not serve."""
    return Problem(
        404,
        [
            error(
                "90000",
                f"{request.method} {request.url.path} is not simulated by the porting-batch "
                "simulator.",
                title="Not simulated",
            )
        ],
    )


def allowed_methods(request: Request) -> list[str]:
    """The methods the simulator serves on this request's path (empty: an unknown path)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        if not isinstance(route, Route) or route.path == CATCH_ALL:
            continue
        match, _ = route.matches(request.scope)
        if match != Match.NONE:
            methods |= route.methods or set()
    return sorted(methods - {"HEAD"})


async def not_simulated(request: Request) -> Response:
    """Any other route: 405 when the path is served with other methods, else a 404."""
    allowed = allowed_methods(request)
    if allowed:
        problem = Problem(
            405,
            [
                error(
                    METHOD_NOT_ALLOWED,
                    f"{request.method} is not allowed on {request.url.path}; "
                    f"allowed: {', '.join(allowed)}.",
                )
            ],
            headers={"allow": ", ".join(allowed)},
        )
        return problem_response(problem)
    return problem_response(not_simulated_problem(request))
