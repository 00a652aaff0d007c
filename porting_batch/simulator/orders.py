"""Porting orders: create (with the split), render, PATCH validation, confirm, delete."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

import phonenumbers

from porting_batch.simulator.calendar import foc_windows, in_windows
from porting_batch.simulator.clock import iso, parse_iso
from porting_batch.simulator.lifecycle import (
    FOC_CONFIRM_STEP,
    FOC_RECONFIRM_DELAY_S,
    SUBMIT_DELAY_S,
    SUBMIT_STEP,
)
from porting_batch.simulator.numbers import NumberFacts, is_e164
from porting_batch.simulator.problems import bad_field, error, unprocessable
from porting_batch.simulator.state import USER_ID, SimState
from porting_batch.simulator.store import plain_copy

NUMBERS_SHOWN = 50
ADMIN_KEYS = (
    "entity_name",
    "auth_person_name",
    "billing_phone_number",
    "account_number",
    "pin_passcode",
    "business_identifier",
    "tax_identifier",
)
LOCATION_KEYS = (
    "street_address",
    "extended_address",
    "locality",
    "administrative_area",
    "postal_code",
    "country_code",
)
CONFIG_KEYS = ("connection_id", "messaging_profile_id", "billing_group_id", "emergency_address_id")
PATCH_KEYS = frozenset(
    {
        "activation_settings",
        "customer_reference",
        "customer_group_reference",
        "documents",
        "end_user",
        "messaging",
        "misc",
        "phone_number_configuration",
        "requirement_group_id",
        "requirements",
        "user_feedback",
        "webhook_url",
    }
)
REQUIRED_ADMIN = ("entity_name", "auth_person_name", "billing_phone_number")
REQUIRED_LOCATION = (
    "street_address",
    "locality",
    "administrative_area",
    "postal_code",
    "country_code",
)
EDITABLE_STATUSES = frozenset(
    {"draft", "in-process", "submitted", "exception", "foc-date-confirmed"}
)
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")


# ---- create --------------------------------------------------------------------------------
def create_orders(state: SimState, body: Any) -> list[dict[str, Any]]:
    """Validate a create request and make one draft order per split group."""
    if not isinstance(body, dict):
        raise unprocessable([error("10015", "The request body must be a JSON object.")])
    errors: list[dict[str, Any]] = []
    numbers = body.get("phone_numbers")
    if "phone_numbers" not in body:
        raise unprocessable(
            [error("10004", "The 'phone_numbers' parameter is required.", pointer="/phone_numbers")]
        )
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
    for key in ("customer_reference", "customer_group_reference"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            errors.append(bad_field(f"/{key}"))
    seen: set[str] = set()
    facts_list: list[NumberFacts] = []
    for index, number in enumerate(numbers):
        pointer = f"/phone_numbers/{index}"
        if not is_e164(number):
            errors.append(
                error(
                    "10015",
                    f"{number!r} is not a phone number in +E.164 format.",
                    pointer=pointer,
                )
            )
            continue
        if number in seen:
            errors.append(
                error("80200", f"{number} appears more than once in the request.", pointer=pointer)
            )
            continue
        seen.add(number)
        facts = state.scenario.facts(number)
        if not facts.portable:
            errors.append(
                error(
                    "10015",
                    f"{number} is not portable: {facts.not_portable_reason}.",
                    pointer=pointer,
                    title="Phone number not portable",
                )
            )
            continue
        existing = state.number_index.get(number)
        if existing is not None:
            errors.append(
                error(
                    "80003",
                    f"{number} is already in porting order {existing}.",
                    pointer=pointer,
                )
            )
            continue
        facts_list.append(facts)
    if errors:
        raise unprocessable(errors)
    groups: dict[tuple[Any, ...], list[NumberFacts]] = {}
    for facts in facts_list:
        spid = facts.spid if facts.country_code in {"US", "CA"} else None
        group = (facts.country_code, facts.phone_number_type, spid, facts.fast_portable)
        groups.setdefault(group, []).append(facts)
    orders = [
        _new_order(state, body, members, fast_port=group[3]) for group, members in groups.items()
    ]
    for order in orders:
        state.save_order(order, touch=False)
    return orders


def _new_order(
    state: SimState, body: dict[str, Any], members: list[NumberFacts], *, fast_port: bool
) -> dict[str, Any]:
    now = state.now_iso()
    order_id = state.new_id()
    first = members[0]
    domestic = first.country_code in {"US", "CA"}
    numbers = [
        {
            "phone_number": facts.phone_number,
            "phone_number_type": facts.phone_number_type,
            "portability_status": "pending" if domestic else "provisional",
            "porting_order_id": order_id,
            "porting_order_status": "draft",
            "activation_status": "New",
            "requirements_status": "approved" if domestic else "requirement-info-pending",
            "support_key": "",
            "record_type": "porting_phone_number",
        }
        for facts in members
    ]
    description = f"FP {first.carrier_name}" if fast_port else first.carrier_name
    return {
        "id": order_id,
        "record_type": "porting_order",
        "created_at": now,
        "updated_at": now,
        "customer_reference": body.get("customer_reference"),
        "customer_group_reference": body.get("customer_group_reference"),
        "user_id": USER_ID,
        "description": description,
        "old_service_provider_ocn": first.carrier_name,
        "support_key": None,
        "parent_support_key": None,
        "status": {"value": "draft", "details": []},
        "activation_settings": {
            "fast_port_eligible": fast_port,
            "foc_datetime_requested": None,
            "foc_datetime_actual": None,
            "activation_status": None,
        },
        "phone_number_type": first.phone_number_type,
        "porting_phone_numbers_count": len(numbers),
        "end_user": {
            "admin": dict.fromkeys(ADMIN_KEYS),
            "location": dict.fromkeys(LOCATION_KEYS),
        },
        "misc": {
            "type": "full",
            "remaining_numbers_action": None,
            "new_billing_phone_number": None,
        },
        "documents": {"loa": None, "invoice": None},
        "requirements": [],
        "requirements_met": False,
        "phone_number_configuration": {**dict.fromkeys(CONFIG_KEYS), "tags": []},
        "messaging": {
            "enable_messaging": False,
            "messaging_capable": all(facts.messaging_capable for facts in members),
            "messaging_port_completed": False,
            "messaging_port_status": "not_applicable",
        },
        "user_feedback": {"user_rating": None, "user_comment": None},
        "webhook_url": None,
        "additional_steps": [],
        "_sim": {
            "numbers": numbers,
            "country_code": first.country_code,
            "carrier_name": first.carrier_name,
            "spid": first.spid,
            "next_at": None,
            "next_step": None,
        },
    }


# ---- render --------------------------------------------------------------------------------
def render(order: dict[str, Any], *, include_phone_numbers: bool = True) -> dict[str, Any]:
    """The order as the API shows it (internal bookkeeping removed).

    It shares its inner values with the stored order: serialise it at once (the responses do),
    or ``plain_copy`` it to keep it.
    """
    shown = {key: value for key, value in order.items() if key != "_sim"}
    if include_phone_numbers:
        shown["phone_numbers"] = order["_sim"]["numbers"][:NUMBERS_SHOWN]
    return shown


def order_meta(order: dict[str, Any]) -> dict[str, Any]:
    """The ``meta`` block of single-order answers."""
    return {
        "phone_numbers_url": f"/v2/porting_phone_numbers?filter[porting_order_id]={order['id']}"
    }


def allowed_windows(state: SimState, order: dict[str, Any]) -> list[tuple[datetime, datetime]]:
    """The order's allowed FOC windows as of simulated now."""
    return foc_windows(state.now(), fast_port=order["activation_settings"]["fast_port_eligible"])


# ---- PATCH ---------------------------------------------------------------------------------
def _check_string(
    errors: list[dict[str, Any]], pointer: str, value: Any, *, nullable: bool = True
) -> bool:
    if value is None and nullable:
        return True
    if not isinstance(value, str):
        errors.append(bad_field(pointer))
        return False
    return True


@lru_cache(maxsize=65536)
def _valid_phone(value: str) -> bool:
    if not is_e164(value):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(value, None))
    except phonenumbers.NumberParseException:
        return False


def _check_object(
    errors: list[dict[str, Any]],
    pointer: str,
    value: Any,
    allowed: tuple[str, ...] | frozenset[str],
) -> bool:
    if not isinstance(value, dict):
        errors.append(bad_field(pointer, f"The '{pointer.rsplit('/', 1)[-1]}' must be an object."))
        return False
    for key in value:
        if key not in allowed:
            errors.append(
                error(
                    "10015",
                    f"'{key}' is not a field the API accepts here.",
                    pointer=f"{pointer}/{key}",
                )
            )
    return True


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
    if not _check_object(errors, "", body, PATCH_KEYS):
        raise unprocessable([error("10015", "The request body must be a JSON object.")])
    # The numbers (in _sim) never change in a PATCH: leave them out of the working copy.
    updated = {key: plain_copy(value) for key, value in order.items() if key != "_sim"}
    for key in ("customer_reference", "customer_group_reference", "webhook_url"):
        if key in body and _check_string(errors, f"/{key}", body[key]):
            value = body[key]
            if (
                key == "webhook_url"
                and value is not None
                and not re.match(r"^https?://[^\s/]+", value)
            ):
                errors.append(bad_field("/webhook_url"))
                continue
            updated[key] = value

    if "activation_settings" in body:
        settings = body["activation_settings"]
        if (
            _check_object(errors, "/activation_settings", settings, ("foc_datetime_requested",))
            and "foc_datetime_requested" in settings
        ):
            _patch_foc(state, order, settings["foc_datetime_requested"], updated, errors)

    if "documents" in body:
        documents = body["documents"]
        if _check_object(errors, "/documents", documents, ("loa", "invoice")):
            for kind in ("loa", "invoice"):
                if kind not in documents:
                    continue
                value = documents[kind]
                pointer = f"/documents/{kind}"
                if value is None:
                    updated["documents"][kind] = None
                else:
                    problem = _document_problem(state, value)
                    if problem:
                        errors.append(error("10015", problem, pointer=pointer))
                    else:
                        updated["documents"][kind] = value

    if "end_user" in body:
        end_user = body["end_user"]
        if _check_object(errors, "/end_user", end_user, ("admin", "location")):
            _patch_end_user(end_user, updated, errors)

    if "misc" in body:
        misc = body["misc"]
        if misc is None:
            updated["misc"] = None
        elif _check_object(
            errors, "/misc", misc, ("type", "remaining_numbers_action", "new_billing_phone_number")
        ):
            current = updated["misc"] or {
                "type": "full",
                "remaining_numbers_action": None,
                "new_billing_phone_number": None,
            }
            if "type" in misc:
                if misc["type"] in ("full", "partial"):
                    current["type"] = misc["type"]
                else:
                    errors.append(bad_field("/misc/type"))
            if "remaining_numbers_action" in misc:
                if misc["remaining_numbers_action"] in ("keep", "disconnect", None):
                    current["remaining_numbers_action"] = misc["remaining_numbers_action"]
                else:
                    errors.append(bad_field("/misc/remaining_numbers_action"))
            if "new_billing_phone_number" in misc:
                value = misc["new_billing_phone_number"]
                if value is None or (isinstance(value, str) and _valid_phone(value)):
                    current["new_billing_phone_number"] = value
                else:
                    errors.append(bad_field("/misc/new_billing_phone_number"))
            updated["misc"] = current
            if (
                current["remaining_numbers_action"] == "keep"
                and not current["new_billing_phone_number"]
                and "/misc/new_billing_phone_number" not in _pointers(errors)
            ):
                errors.append(
                    error(
                        "10015",
                        "'remaining_numbers_action: keep' requires 'new_billing_phone_number'.",
                        pointer="/misc/new_billing_phone_number",
                    )
                )

    if "messaging" in body:
        messaging = body["messaging"]
        if (
            _check_object(errors, "/messaging", messaging, ("enable_messaging",))
            and "enable_messaging" in messaging
        ):
            value = messaging["enable_messaging"]
            if not isinstance(value, bool):
                errors.append(bad_field("/messaging/enable_messaging"))
            elif value and not updated["messaging"]["messaging_capable"]:
                errors.append(
                    error(
                        "10015",
                        "Messaging cannot be enabled: these numbers are not messaging capable.",
                        pointer="/messaging/enable_messaging",
                    )
                )
            else:
                updated["messaging"]["enable_messaging"] = value
                updated["messaging"]["messaging_port_status"] = (
                    "pending" if value else "not_applicable"
                )

    if "phone_number_configuration" in body:
        config = body["phone_number_configuration"]
        if _check_object(errors, "/phone_number_configuration", config, (*CONFIG_KEYS, "tags")):
            for key in CONFIG_KEYS:
                if key in config and _check_string(
                    errors, f"/phone_number_configuration/{key}", config[key]
                ):
                    updated["phone_number_configuration"][key] = config[key]
            if "tags" in config:
                tags = config["tags"]
                if isinstance(tags, list) and all(isinstance(tag, str) for tag in tags):
                    updated["phone_number_configuration"]["tags"] = tags
                else:
                    errors.append(bad_field("/phone_number_configuration/tags"))

    if "requirement_group_id" in body:
        value = body["requirement_group_id"]
        if "documents" in body or "requirements" in body:
            errors.append(
                error(
                    "10015",
                    "'requirement_group_id' cannot be combined with 'documents' or "
                    "'requirements' in the same request.",
                    pointer="/requirement_group_id",
                )
            )
        elif not isinstance(value, str) or not _UUID.match(value):
            errors.append(bad_field("/requirement_group_id"))
        else:
            errors.append(
                error(
                    "10005",
                    f"Requirement group {value} was not found.",
                    pointer="/requirement_group_id",
                )
            )

    if "requirements" in body:
        requirements = body["requirements"]
        if not isinstance(requirements, list):
            errors.append(bad_field("/requirements"))
        else:
            new_requirements = []
            for index, item in enumerate(requirements):
                pointer = f"/requirements/{index}"
                if not isinstance(item, dict) or not all(
                    isinstance(item.get(k), str) for k in ("requirement_type_id", "field_value")
                ):
                    errors.append(
                        error(
                            "10015",
                            "Each requirement needs string 'requirement_type_id' and "
                            "'field_value'.",
                            pointer=pointer,
                        )
                    )
                    continue
                problem = _document_problem(state, item["field_value"])
                if problem:
                    errors.append(error("10015", problem, pointer=f"{pointer}/field_value"))
                    continue
                new_requirements.append(
                    {
                        "requirement_type_id": item["requirement_type_id"],
                        "field_type": "document",
                        "field_value": item["field_value"],
                        "record_type": "porting_requirement",
                    }
                )
            updated["requirements"] = new_requirements

    if "user_feedback" in body:
        feedback = body["user_feedback"]
        if _check_object(errors, "/user_feedback", feedback, ("user_rating", "user_comment")):
            if "user_rating" in feedback:
                rating = feedback["user_rating"]
                if rating is None or (
                    isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 5
                ):
                    updated["user_feedback"]["user_rating"] = rating
                else:
                    errors.append(bad_field("/user_feedback/user_rating"))
            if "user_comment" in feedback and _check_string(
                errors, "/user_feedback/user_comment", feedback["user_comment"]
            ):
                updated["user_feedback"]["user_comment"] = feedback["user_comment"]

    if errors:
        raise unprocessable(errors)
    loa_changed = updated["documents"]["loa"] != order["documents"]["loa"]
    foc_moved = (
        status == "foc-date-confirmed"
        and updated["activation_settings"]["foc_datetime_requested"]
        != order["activation_settings"]["foc_datetime_requested"]
    )
    updated["requirements_met"] = _requirements_met(updated)
    order.update(updated)
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
    return order


def _document_problem(state: SimState, value: Any) -> str | None:
    """Why a document id cannot be linked to an order, or None when it can."""
    document = state.store.get("documents", value) if isinstance(value, str) else None
    if document is None:
        return f"Document {value!r} does not exist."
    if document["status"] == "denied":
        return f"Document {value} was denied ({document['av_scan_status']}) and cannot be used."
    return None


def _pointers(errors: list[dict[str, Any]]) -> set[str]:
    return {item.get("source", {}).get("pointer", "") for item in errors}


def _patch_foc(
    state: SimState,
    order: dict[str, Any],
    value: Any,
    updated: dict[str, Any],
    errors: list[dict[str, Any]],
) -> None:
    pointer = "/activation_settings/foc_datetime_requested"
    if value is None:
        updated["activation_settings"]["foc_datetime_requested"] = None
        return
    try:
        moment = parse_iso(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        errors.append(bad_field(pointer))
        return
    if not in_windows(moment, allowed_windows(state, order)):
        errors.append(
            error(
                "80018",
                f"The requested FOC date {value} is outside the allowed FOC windows; "
                f"see GET /porting_orders/{order['id']}/allowed_foc_windows.",
                pointer=pointer,
            )
        )
        return
    updated["activation_settings"]["foc_datetime_requested"] = iso(moment)


def _patch_end_user(
    end_user: dict[str, Any], updated: dict[str, Any], errors: list[dict[str, Any]]
) -> None:
    if "admin" in end_user:
        admin = end_user["admin"]
        if _check_object(errors, "/end_user/admin", admin, ADMIN_KEYS):
            for key in ADMIN_KEYS:
                if key not in admin:
                    continue
                pointer = f"/end_user/admin/{key}"
                value = admin[key]
                if not _check_string(errors, pointer, value):
                    continue
                if key == "billing_phone_number" and value is not None and not _valid_phone(value):
                    errors.append(bad_field(pointer))
                    continue
                updated["end_user"]["admin"][key] = value
    if "location" in end_user:
        location = end_user["location"]
        if _check_object(errors, "/end_user/location", location, LOCATION_KEYS):
            for key in LOCATION_KEYS:
                if key not in location:
                    continue
                pointer = f"/end_user/location/{key}"
                value = location[key]
                if not _check_string(errors, pointer, value):
                    continue
                if key == "country_code" and value is not None and not _COUNTRY.match(value):
                    errors.append(bad_field(pointer))
                    continue
                updated["end_user"]["location"][key] = value


def _requirements_met(order: dict[str, Any]) -> bool:
    return bool(order["documents"]["loa"] and order["documents"]["invoice"])


# ---- confirm and delete --------------------------------------------------------------------
def missing_for_confirm(state: SimState, order: dict[str, Any]) -> list[dict[str, Any]]:
    """Every item that keeps the order from being submitted, one error each."""
    errors: list[dict[str, Any]] = []
    admin = order["end_user"]["admin"]
    for key in REQUIRED_ADMIN:
        if not admin.get(key):
            errors.append(
                error(
                    "10004",
                    f"The end user's '{key}' is required to submit the order.",
                    pointer=f"/end_user/admin/{key}",
                )
            )
    location = order["end_user"]["location"]
    for key in REQUIRED_LOCATION:
        if not location.get(key):
            errors.append(
                error(
                    "10004",
                    f"The service address '{key}' is required to submit the order.",
                    pointer=f"/end_user/location/{key}",
                )
            )
    if not order["documents"]["loa"]:
        errors.append(
            error("80008", "A signed LOA document is required.", pointer="/documents/loa")
        )
    if not order["documents"]["invoice"]:
        errors.append(
            error("10004", "A recent invoice document is required.", pointer="/documents/invoice")
        )
    foc = order["activation_settings"]["foc_datetime_requested"]
    pointer = "/activation_settings/foc_datetime_requested"
    if not foc:
        errors.append(error("10004", "A requested FOC date is required.", pointer=pointer))
    elif not in_windows(parse_iso(foc), allowed_windows(state, order)):
        errors.append(
            error(
                "80018",
                f"The requested FOC date {foc} is no longer inside an allowed FOC window.",
                pointer=pointer,
            )
        )
    misc = order["misc"] or {}
    if misc.get("remaining_numbers_action") == "keep" and not misc.get("new_billing_phone_number"):
        errors.append(
            error(
                "10004",
                "'remaining_numbers_action: keep' requires 'new_billing_phone_number'.",
                pointer="/misc/new_billing_phone_number",
            )
        )
    return errors


def confirm_order(state: SimState, order: dict[str, Any]) -> dict[str, Any]:
    """Submit a draft (or resubmit an exception): draft -> in-process, or 422 with every gap."""
    status = order["status"]["value"]
    if status not in {"draft", "exception"}:
        raise unprocessable(
            [
                error(
                    "10015",
                    f"Only draft or exception orders can be confirmed; this one is '{status}'.",
                    pointer="/",
                )
            ]
        )
    errors = missing_for_confirm(state, order)
    if errors:
        raise unprocessable(errors)
    if order["support_key"] is None:
        order["support_key"] = state.short_key("sr")
        order["parent_support_key"] = state.short_key("pr")
    # Each submission gets its own carrier draws, so a resubmitted order can pass.
    order["_sim"]["submissions"] = order["_sim"].get("submissions", 0) + 1
    order["_sim"].pop("pending_exception", None)
    state.schedule(order, SUBMIT_DELAY_S, SUBMIT_STEP)
    state.set_status(order, "in-process")
    return order


def delete_order(state: SimState, order: dict[str, Any]) -> None:
    """Delete a draft order; anything else is a 422."""
    status = order["status"]["value"]
    if status != "draft":
        raise unprocessable(
            [
                error(
                    "10015",
                    f"Only draft orders can be deleted; this one is '{status}'. Cancel it instead.",
                    pointer="/",
                )
            ]
        )
    now = state.now_iso()
    state.add_event(
        order,
        "porting_order.deleted",
        {
            "id": order["id"],
            "customer_reference": order["customer_reference"] or "",
            "created_at": order["created_at"],
            "updated_at": now,
            "deleted_at": now,
            "record_type": "porting_order",
        },
    )
    state.unindex_order(order)
    state.store.delete("orders", order["id"])
