"""GET /porting_orders: which orders a filter selects, and in what order they are listed.

Each filter the simulator knows has one predicate in ``ORDER_PREDICATES``; a filter it does not
know selects everything (the realistic profile refuses unknown filters before this, in
``filter_checks``). Predicates run lazily, in the query's order, so a bad FOC bound is only
noticed for an order that has a FOC date and passed the filters before it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from porting_batch.simulator.clock import parse_iso
from porting_batch.simulator.handlers import parse_bound
from porting_batch.simulator.http import split_values

ORDER_SORTS = {
    "created_at",
    "-created_at",
    "activation_settings.foc_datetime_requested",
    "-activation_settings.foc_datetime_requested",
}

#: (order, filter name, the filter's values) -> whether the order passes.
OrderPredicate = Callable[[dict[str, Any], str, list[str]], bool]


def _equals(field: Callable[[dict[str, Any]], Any]) -> OrderPredicate:
    """The field's value is one of the filter's values."""
    return lambda order, _name, values: field(order) in values


def _one_of(field: Callable[[dict[str, Any]], Any]) -> OrderPredicate:
    """The field's value is one of the filter's values, comma form accepted."""
    return lambda order, _name, values: field(order) in (split_values(values) or [])


def _number_contains(order: dict[str, Any], _name: str, values: list[str]) -> bool:
    needle = values[-1]
    return any(needle in number["phone_number"] for number in order["_sim"]["numbers"])


def _admin_field(order: dict[str, Any], name: str, values: list[str]) -> bool:
    return order["end_user"]["admin"].get(name.rsplit(".", 1)[1]) in values


def _fast_port(order: dict[str, Any], _name: str, values: list[str]) -> bool:
    return bool(
        order["activation_settings"]["fast_port_eligible"] == (values[-1].lower() == "true")
    )


def _foc_bound(after: bool) -> OrderPredicate:
    """The requested FOC is after (or before) the bound; an order without one never passes."""

    def check(order: dict[str, Any], name: str, values: list[str]) -> bool:
        foc = order["activation_settings"]["foc_datetime_requested"]
        if foc is None:
            return False
        bound = parse_bound(values[-1], f"filter[{name}]")
        return bool(parse_iso(foc) > bound if after else parse_iso(foc) < bound)

    return check


ORDER_PREDICATES: dict[str, OrderPredicate] = {
    "customer_reference": _equals(lambda order: order.get("customer_reference")),
    "customer_group_reference": _equals(lambda order: order.get("customer_group_reference")),
    "parent_support_key": _equals(lambda order: order.get("parent_support_key")),
    "status": _one_of(lambda order: order["status"]["value"]),
    "phone_numbers.phone_number.contains": _number_contains,
    "phone_numbers.country_code": _one_of(lambda order: order["_sim"]["country_code"]),
    "phone_numbers.carrier_name": _equals(lambda order: order["old_service_provider_ocn"]),
    "misc.type": _equals(lambda order: (order["misc"] or {}).get("type")),
    "end_user.admin.entity_name": _admin_field,
    "end_user.admin.auth_person_name": _admin_field,
    "activation_settings.fast_port_eligible": _fast_port,
    "activation_settings.foc_datetime_requested.gt": _foc_bound(after=True),
    "activation_settings.foc_datetime_requested.lt": _foc_bound(after=False),
}


def order_matches(order: dict[str, Any], found: dict[str, list[str]]) -> bool:
    """Whether the order passes every filter in ``found`` (dotted names, as ``filters`` gives)."""
    return all(
        check(order, name, values)
        for name, values in found.items()
        if (check := ORDER_PREDICATES.get(name)) is not None
    )


def sorted_orders(items: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """The orders in ``sort`` order; by FOC date, orders without one come last."""
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    indexed = list(enumerate(items))
    if field == "created_at":
        indexed.sort(key=lambda pair: (pair[1]["created_at"], pair[0]), reverse=descending)
    else:
        with_foc = [p for p in indexed if p[1]["activation_settings"]["foc_datetime_requested"]]
        without = [p for p in indexed if not p[1]["activation_settings"]["foc_datetime_requested"]]
        with_foc.sort(
            key=lambda p: (p[1]["activation_settings"]["foc_datetime_requested"], p[0]),
            reverse=descending,
        )
        indexed = with_foc + without
    return [order for _, order in indexed]
