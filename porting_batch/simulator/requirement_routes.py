"""Routes for requirement types and an order's requirements (rule R17)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from porting_batch.simulator import requirements
from porting_batch.simulator.handlers import handles_problems, order_from, sim_of
from porting_batch.simulator.http import JSON, filters, page_params, paginate
from porting_batch.simulator.problems import Problem, error, not_found

_SORTS = frozenset({"name", "created_at", "updated_at"})


@handles_problems
async def order_requirements(request: Request) -> Response:
    """GET /porting_orders/{id}/requirements: every requirement type of the order, and its state."""
    order = order_from(request)
    number, size = page_params(request)
    kinds = requirements.types_for(sim_of(request), order)
    details = [requirements.detail(order, kind) for kind in kinds]
    page, meta = paginate(details, number, size)
    return JSON({"data": page, "meta": meta})


@handles_problems
async def list_requirement_types(request: Request) -> Response:
    """GET /requirement_types: the catalog, ``filter[name][contains]`` and ``sort``."""
    found = filters(request)
    unknown = sorted(set(found) - {"name.contains"})
    if unknown:
        # documents_Errors answers for these endpoints; the filter object allows name only.
        raise Problem(
            422,
            [error("10015", f"Unknown filter '{unknown[0]}'.", parameter=f"filter[{unknown[0]}]")],
        )
    items = [kind.public() for kind in requirements.CATALOG]
    for text in found.get("name.contains", []):
        items = [item for item in items if text.lower() in item["name"].lower()]
    for key in reversed(_sort_keys(request)):
        field = key.lstrip("-")
        items.sort(key=lambda item: str(item[field]), reverse=key.startswith("-"))
    return JSON({"data": items, "meta": paginate(items, 1, max(len(items), 1))[1]})


def _sort_keys(request: Request) -> list[str]:
    """``sort`` values (comma or repeated), each checked against the spec's enum."""
    keys = [
        key for value in request.query_params.getlist("sort") for key in value.split(",") if key
    ]
    for key in keys:
        if key.lstrip("-") not in _SORTS:
            raise Problem(422, [error("10015", f"Cannot sort by {key!r}.", parameter="sort")])
    return keys


@handles_problems
async def get_requirement_type(request: Request) -> Response:
    """GET /requirement_types/{id}."""
    ident = request.path_params["id"]
    kind = requirements.BY_ID.get(ident)
    if kind is None:
        raise not_found("requirement type", ident)
    return JSON({"data": kind.public()})
