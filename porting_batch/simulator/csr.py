"""Customer service records: coverage, asynchronous requests, and their simulated outcome."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from porting_batch.simulator import carriers
from porting_batch.simulator.clock import iso, parse_iso
from porting_batch.simulator.problems import error, unprocessable
from porting_batch.simulator.state import SimState

US_NUMBER = re.compile(r"^\+1\d{10}$")
NOT_AVAILABLE = "CSR information not available."
#: Without a scenario account, CSRs for numbers ending in these digits fail (about 40%).
FAILING_LAST_DIGITS = frozenset("0123")


def coverage(state: SimState, body: Any) -> list[dict[str, Any]]:
    """Which numbers have CSR coverage, and which extra data their carrier wants."""
    numbers = body.get("phone_numbers") if isinstance(body, dict) else None
    if not isinstance(numbers, list) or not numbers:
        raise unprocessable(
            [error("10015", "'phone_numbers' must be a non-empty list.", pointer="/phone_numbers")]
        )
    errors = [
        error("10015", f"{n!r} is not a +1 number of 10 digits.", pointer=f"/phone_numbers/{i}")
        for i, n in enumerate(numbers)
        if not isinstance(n, str) or not US_NUMBER.match(n)
    ]
    if errors:
        raise unprocessable(errors)
    results = []
    for number in numbers:
        facts = state.scenario.facts(number)
        item: dict[str, Any] = {"phone_number": number, "record_type": "phone_number_coverage"}
        if facts.phone_number_type == "toll_free" or not facts.portable:
            item["has_csr_coverage"] = False
            item["reason"] = "Toll-free and non-portable numbers have no CSR coverage."
        else:
            item["has_csr_coverage"] = True
            if state.realistic and state.scenario.account_for(number) is None:
                record = carriers.record_for(number, state.config.seed)
                item["additional_data_required"] = record.additional_data_required()
                results.append(item)
                continue
            # Half the carriers want the account number and PIN before they release a CSR.
            if facts.spid and facts.spid[0] in "4680":
                item["additional_data_required"] = ["account_number", "pin"]
            else:
                item["additional_data_required"] = []
        results.append(item)
    return results


def create_csr(state: SimState, body: Any) -> dict[str, Any]:
    """Start a CSR request; it completes (or fails) after the configured simulated delay."""
    if not isinstance(body, dict) or not isinstance(body.get("phone_number"), str):
        raise unprocessable(
            [error("10004", "'phone_number' is required.", pointer="/phone_number")]
        )
    number = body["phone_number"]
    if not US_NUMBER.match(number):
        raise unprocessable(
            [
                error(
                    "10015", f"{number!r} is not a +1 number of 10 digits.", pointer="/phone_number"
                )
            ]
        )
    webhook_url = body.get("webhook_url")
    if webhook_url is not None and not isinstance(webhook_url, str):
        raise unprocessable(
            [error("10015", "'webhook_url' must be a URL.", pointer="/webhook_url")]
        )
    now = state.now()
    record = {
        "id": state.new_id(),
        "phone_number": number,
        "status": "pending",
        "error_message": None,
        "webhook_url": webhook_url,
        "result": None,
        "record_type": "customer_service_record",
        "created_at": iso(now),
        "updated_at": iso(now),
        "_due": iso(now + timedelta(seconds=state.config.csr_delay_s)),
    }
    state.store.put("csrs", record)
    state.pending_csrs.add(record["id"])
    return record


def settle_due(state: SimState) -> None:
    """Settle every pending CSR whose delay has passed (run on each tick)."""
    if not state.pending_csrs:
        return
    for ident in sorted(state.pending_csrs):
        record = state.store.get("csrs", ident)
        if record is None or record["status"] != "pending":
            state.pending_csrs.discard(ident)
            continue
        refresh(state, record)


def refresh(state: SimState, record: dict[str, Any]) -> dict[str, Any]:
    """Settle a pending CSR whose delay has passed."""
    if record["status"] != "pending" or parse_iso(record["_due"]) > state.now():
        return record
    number = record["phone_number"]
    account = state.scenario.account_for(number)
    facts = state.scenario.facts(number)
    if account is not None and not account.csr_settles:
        return record  # the carrier never answers: pending for good
    if account is not None:
        available = account.csr_available
    elif state.realistic:
        # Every number has a carrier record (R1): its CSR is there unless it cannot port.
        available = facts.portable
    else:
        available = number[-1] not in FAILING_LAST_DIGITS and facts.portable
    record["updated_at"] = record["_due"]
    if not available:
        record["status"] = "failed"
        record["error_message"] = NOT_AVAILABLE
    else:
        record["status"] = "completed"
        record["result"] = _result(
            number,
            account,
            facts.carrier_name,
            carriers.record_for(number, state.config.seed) if state.realistic else None,
        )
    state.store.put("csrs", record)
    state.pending_csrs.discard(record["id"])
    if record["webhook_url"] and state.webhook_sink is not None:
        state.webhook_sink(
            record["webhook_url"],
            {
                "data": {
                    "event_type": "customer_service_record.status_changed",
                    "id": state.new_id(),
                    "occurred_at": record["updated_at"],
                    "record_type": "event",
                    "payload": render_csr(record),
                },
                "meta": {"attempt": 1, "delivered_to": record["webhook_url"]},
            },
        )
    return record


def _result(
    number: str, account: Any, carrier_name: str, record: carriers.CarrierRecord | None
) -> dict[str, Any]:
    if account is not None:
        admin = account.admin
        location = account.location
        numbers = [p for p in account.patterns if not p.endswith("*")] or [number]
    elif record is not None:
        admin, location = record.admin(), record.location()
        numbers = sorted({record.billing_phone_number, number})
    else:
        admin = {
            "entity_name": f"Subscriber {number[-4:]}",
            "auth_person_name": "Pat Subscriber",
            "account_number": f"AC{number[-7:]}",
            "billing_phone_number": number,
        }
        location = {
            "street_address": f"{int(number[-3:])} Main St",
            "locality": "Springfield",
            "administrative_area": "IL",
            "postal_code": "62701",
        }
        numbers = [number]
    street = location.get("street_address", "")
    full = "; ".join(
        part
        for part in (
            street,
            location.get("locality", ""),
            location.get("administrative_area", ""),
            location.get("postal_code", ""),
        )
        if part
    )
    return {
        "admin": {
            "name": admin.get("entity_name", ""),
            "authorized_person_name": admin.get("auth_person_name", ""),
            "account_number": admin.get("account_number", ""),
            "billing_phone_number": admin.get("billing_phone_number", ""),
        },
        "address": {
            "street_address": street,
            "locality": location.get("locality", ""),
            "administrative_area": location.get("administrative_area", ""),
            "postal_code": location.get("postal_code", ""),
            "full_address": full,
        },
        "associated_phone_numbers": numbers,
        "carrier_name": carrier_name,
    }


def render_csr(record: dict[str, Any]) -> dict[str, Any]:
    """The record without internal fields (and no ``webhook_url`` when none was given)."""
    return {
        key: value
        for key, value in record.items()
        if not key.startswith("_") and not (key == "webhook_url" and value is None)
    }
