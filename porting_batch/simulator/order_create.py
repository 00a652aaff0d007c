"""POST /porting_orders: validate the numbers, split them into groups, one draft per group."""

from __future__ import annotations

from typing import Any

from porting_batch.simulator.numbers import NumberFacts, is_e164
from porting_batch.simulator.orders import DOMESTIC, new_order
from porting_batch.simulator.problems import bad_field, error, unprocessable
from porting_batch.simulator.state import SimState

REFERENCE_KEYS = ("customer_reference", "customer_group_reference")


def create_orders(state: SimState, body: Any) -> list[dict[str, Any]]:
    """Validate a create request and make one draft order per split group."""
    numbers = _phone_numbers(body)
    errors = [
        bad_field(f"/{key}")
        for key in REFERENCE_KEYS
        if body.get(key) is not None and not isinstance(body[key], str)
    ]
    facts_list = _portable_facts(state, numbers, errors)
    if errors:
        raise unprocessable(errors)
    orders = [
        new_order(state, body, members, fast_port=group[3])
        for group, members in split(facts_list).items()
    ]
    for order in orders:
        state.save_order(order, touch=False)
    return orders


def _phone_numbers(body: Any) -> list[Any]:
    """The body's ``phone_numbers`` list; a 422 when the body or the list is not usable at all."""
    if not isinstance(body, dict):
        raise unprocessable([error("10015", "The request body must be a JSON object.")])
    if "phone_numbers" not in body:
        raise unprocessable(
            [error("10004", "The 'phone_numbers' parameter is required.", pointer="/phone_numbers")]
        )
    numbers = body["phone_numbers"]
    if not isinstance(numbers, list) or not numbers:
        raise unprocessable(
            [
                error(
                    "10015",
                    "The 'phone_numbers' parameter must be a non-empty list of +E.164 numbers.",
                    pointer="/phone_numbers",
                )
            ]
        )
    return numbers


def _portable_facts(
    state: SimState, numbers: list[Any], errors: list[dict[str, Any]]
) -> list[NumberFacts]:
    """The facts of every number that can be ordered; one error in ``errors`` for each other."""
    seen: set[str] = set()
    facts_list: list[NumberFacts] = []
    for index, number in enumerate(numbers):
        found = _number_facts(state, number, seen, f"/phone_numbers/{index}")
        if isinstance(found, dict):
            errors.append(found)
            continue
        seen.add(number)
        facts_list.append(found)
    return facts_list


def _number_facts(
    state: SimState, number: Any, seen: set[str], pointer: str
) -> NumberFacts | dict[str, Any]:
    """One requested number's facts when it can be ordered, else the error saying why not."""
    if not is_e164(number):
        return error(
            "10015", f"{number!r} is not a phone number in +E.164 format.", pointer=pointer
        )
    if number in seen:
        return error("80200", f"{number} appears more than once in the request.", pointer=pointer)
    facts = state.scenario.facts(number)
    if not facts.portable:
        return error(
            "10015",
            f"{number} is not portable: {facts.not_portable_reason}.",
            pointer=pointer,
            title="Phone number not portable",
        )
    existing = state.number_index.get(number)
    if existing is not None:
        return error("80003", f"{number} is already in porting order {existing}.", pointer=pointer)
    return facts


def split(facts_list: list[NumberFacts]) -> dict[tuple[Any, ...], list[NumberFacts]]:
    """The numbers grouped as Telnyx splits an order.

    Keyed by (country, number type, SPID for US/CA, FastPort), in order of first appearance.
    """
    groups: dict[tuple[Any, ...], list[NumberFacts]] = {}
    for facts in facts_list:
        spid = facts.spid if facts.country_code in DOMESTIC else None
        group = (facts.country_code, facts.phone_number_type, spid, facts.fast_portable)
        groups.setdefault(group, []).append(facts)
    return groups
