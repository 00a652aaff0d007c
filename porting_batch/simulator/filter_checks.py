"""Realistic profile: filter names and values are checked, as Telnyx does, not ignored.

An unknown ``filter[...]`` name answers 422 code 10032 and a value outside a filter's
domain answers 422 code 10031, instead of an empty (or unfiltered) 200.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from porting_batch.simulator.http import split_values
from porting_batch.simulator.numbers import is_e164
from porting_batch.simulator.problems import Problem, error

ORDER_STATUSES = frozenset(
    {
        "activation-in-progress",
        "cancel-pending",
        "cancelled",
        "draft",
        "exception",
        "foc-date-confirmed",
        "in-process",
        "ported",
        "submitted",
    }
)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")

Check = Callable[[str], bool] | None


def _any(_: str) -> bool:
    return True


def _status(value: str) -> bool:
    return value in ORDER_STATUSES


def _bool(value: str) -> bool:
    return value.lower() in {"true", "false"}


def _uuid(value: str) -> bool:
    return bool(_UUID.match(value))


#: Filters of GET /porting_orders and what each value must look like.
ORDER_FILTERS: dict[str, Callable[[str], bool]] = {
    "customer_reference": _any,
    "customer_group_reference": _any,
    "parent_support_key": _any,
    "status": _status,
    "phone_numbers.phone_number.contains": _any,
    "phone_numbers.country_code": lambda v: bool(_COUNTRY.match(v)),
    "phone_numbers.carrier_name": _any,
    "misc.type": lambda v: v in {"full", "partial"},
    "end_user.admin.entity_name": _any,
    "end_user.admin.auth_person_name": _any,
    "activation_settings.fast_port_eligible": _bool,
    "activation_settings.foc_datetime_requested.gt": _any,
    "activation_settings.foc_datetime_requested.lt": _any,
}

#: Filters of GET /porting_phone_numbers.
PHONE_NUMBER_FILTERS: dict[str, Callable[[str], bool]] = {
    "porting_order_status": _status,
    "porting_order_id": _uuid,
    "phone_number": is_e164,
}

#: Filters of GET /porting_orders/phone_number_configurations.
CONFIGURATION_FILTERS: dict[str, Callable[[str], bool]] = {
    "porting_order.status": _status,
    "porting_phone_number": _uuid,
    "user_bundle_id": _uuid,
}


def parameter_name(dotted: str) -> str:
    """``a.b.c`` as the query parameter ``filter[a][b][c]``."""
    return "filter[" + "][".join(dotted.split(".")) + "]"


def check_filters(found: dict[str, list[str]], known: dict[str, Callable[[str], bool]]) -> None:
    """Raise one 422 listing every unknown filter (10032) and every bad value (10031)."""
    errors = []
    for name, values in found.items():
        parameter = parameter_name(name)
        check = known.get(name)
        if check is None:
            errors.append(
                error(
                    "10032",
                    f"{parameter} is not a filter of this endpoint; known: "
                    f"{', '.join(parameter_name(k) for k in sorted(known))}.",
                    parameter=parameter,
                )
            )
            continue
        for value in split_values(values) or [""]:
            if not check(value):
                errors.append(
                    error(
                        "10031",
                        f"{value!r} is not a valid value for {parameter}.",
                        parameter=parameter,
                    )
                )
    if errors:
        raise Problem(422, errors)
