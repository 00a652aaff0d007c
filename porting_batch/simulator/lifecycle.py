"""What happens to a confirmed order as simulated time passes, and cancel/activate."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from porting_batch.simulator import activation, carriers, realism
from porting_batch.simulator.clock import iso, parse_iso
from porting_batch.simulator.problems import error, unprocessable

if TYPE_CHECKING:
    from porting_batch.simulator.state import SimState

SUBMIT_STEP = "submit"
EXCEPTION_STEP = "exception"
FOC_CONFIRM_STEP = "foc-confirm"
PORT_STEP = "port"
CANCEL_STEP = "cancel"

CANCEL_CUTOFF = timedelta(hours=48)

#: How long each automatic step takes, in simulated seconds.
SUBMIT_DELAY_S = 3600.0
EXCEPTION_DELAY_S = 4 * 3600.0
CANCEL_DELAY_S = 3600.0
FOC_RECONFIRM_DELAY_S = 24 * 3600.0

#: Which CSR field, when it differs from the order, raises which exception code.
MISMATCH_CODES: tuple[tuple[str, str, str], ...] = (
    ("admin", "entity_name", "ENTITY_NAME_MISMATCH"),
    ("admin", "auth_person_name", "AUTH_PERSON_MISMATCH"),
    ("admin", "account_number", "ACCOUNT_NUMBER_MISMATCH"),
    ("admin", "billing_phone_number", "BTN_ATN_MISMATCH"),
    ("admin", "pin_passcode", "PASSCODE_PIN_INVALID"),
    ("location", "street_address", "LOCATION_MISMATCH"),
    ("location", "locality", "LOCATION_MISMATCH"),
    ("location", "administrative_area", "LOCATION_MISMATCH"),
    ("location", "postal_code", "POSTAL_CODE_MISMATCH"),
)

EXCEPTION_DESCRIPTIONS: dict[str, str] = {
    "ACCOUNT_NUMBER_MISMATCH": "The account number provided does not match the carrier's records.",
    "AUTH_PERSON_MISMATCH": "The authorized person does not match the carrier's records.",
    "BTN_ATN_MISMATCH": "The billing telephone number does not match the carrier's records.",
    "ENTITY_NAME_MISMATCH": "The entity name does not match the carrier's records.",
    "FOC_EXPIRED": "The FOC date has expired.",
    "FOC_REJECTED": "The losing carrier rejected the requested FOC date.",
    "LOCATION_MISMATCH": "The service address does not match the carrier's records.",
    "LSR_PENDING": "The local service request is pending with the losing carrier.",
    "MAIN_BTN_PORTING": "The main billing number is being ported.",
    "OSP_IRRESPONSIVE": "The losing carrier is not responding.",
    "OTHER": "Other reason; see the order's comments.",
    "PASSCODE_PIN_INVALID": "The passcode or PIN is invalid.",
    "PHONE_NUMBER_HAS_SPECIAL_FEATURE": "A phone number has a special feature.",
    "PHONE_NUMBER_MISMATCH": "A phone number does not belong to the account.",
    "PHONE_NUMBER_NOT_PORTABLE": "A phone number is not portable.",
    "PORT_TYPE_INCORRECT": "The port type (full or partial) is incorrect.",
    "PORTING_ORDER_SPLIT_REQUIRED": "The order has to be split.",
    "POSTAL_CODE_MISMATCH": "The postal code does not match the carrier's records.",
    "RATE_CENTER_NOT_PORTABLE": "The rate center is not portable.",
    "SV_CONFLICT": "Subscription version conflict.",
    "SV_UNKNOWN_FAILURE": "Subscription version failure.",
}


def mismatches(state: SimState, order: dict[str, Any]) -> list[dict[str, str]]:
    """Exception details for every end-user field that differs from the account's CSR."""
    account = None
    for number in order["_sim"]["numbers"]:
        account = state.scenario.account_for(number["phone_number"])
        if account is not None:
            break
    if account is None:
        return []
    codes: list[str] = []
    for section, key, code in MISMATCH_CODES:
        expected = (account.admin if section == "admin" else account.location).get(key)
        if expected is None:
            continue
        actual = order["end_user"][section].get(key)
        if actual != expected and code not in codes:
            codes.append(code)
    return [{"code": code, "description": EXCEPTION_DESCRIPTIONS[code]} for code in codes]


#: Exceptions a carrier raises that the order's data cannot explain (realistic profile).
UNEXPLAINED_CODES = (
    "FOC_REJECTED",
    "LSR_PENDING",
    "OSP_IRRESPONSIVE",
    "OTHER",
    "PHONE_NUMBER_HAS_SPECIAL_FEATURE",
)
#: Realistic profile: a carrier answers a bad order between these many simulated hours
#: after submission (its review takes hours to days, not the lenient fixed 4 h).
REJECTION_AFTER_H = (4.0, 48.0)


def _draw(state: SimState, order: dict[str, Any], what: str) -> float:
    """A seeded draw in [0, 1) for this order's current submission."""
    return realism.draw(state, order, what)


def realistic_mismatches(state: SimState, order: dict[str, Any]) -> list[dict[str, str]]:
    """Exception details for every field the losing carrier's record does not forgive.

    The record is the scenario account's when one holds the order's first number, else the
    generated :func:`carriers.record_for`; both sides are folded (case, punctuation, Inc/St).
    """
    numbers = order["_sim"]["numbers"]
    if not numbers:
        return []
    first = numbers[0]["phone_number"]
    account = state.scenario.account_for(first)
    if account is not None:
        admin, location = account.admin, account.location
        wants_account = wants_pin = True
    else:
        record = carriers.record_for(first, state.config.seed)
        admin, location = record.admin(), record.location()
        wants_account, wants_pin = record.requires_account_number, record.requires_pin
    codes: list[str] = []
    for section, key, code in MISMATCH_CODES:
        expected = (admin if section == "admin" else location).get(key)
        if not expected:
            continue
        if key == "account_number" and not wants_account:
            continue
        if key == "pin_passcode" and not wants_pin:
            continue
        actual = order["end_user"][section].get(key)
        same = (
            carriers.digits(actual) == carriers.digits(expected)
            if key == "billing_phone_number"
            else carriers.fold(actual) == carriers.fold(expected)
        )
        if not same and code not in codes:
            codes.append(code)
    return [{"code": code, "description": EXCEPTION_DESCRIPTIONS[code]} for code in codes]


def _carrier_verdict(state: SimState, order: dict[str, Any]) -> list[dict[str, str]]:
    if not state.realistic:
        return mismatches(state, order)
    details = realistic_mismatches(state, order)
    if not details and _draw(state, order, "random") < state.random_rejection_rate:
        code = UNEXPLAINED_CODES[int(_draw(state, order, "code") * len(UNEXPLAINED_CODES))]
        details = [{"code": code, "description": EXCEPTION_DESCRIPTIONS[code]}]
    return details


def _rejection_delay(state: SimState, order: dict[str, Any]) -> timedelta:
    if not state.realistic:
        return timedelta(seconds=EXCEPTION_DELAY_S)
    low, high = REJECTION_AFTER_H
    return timedelta(hours=low + (high - low) * _draw(state, order, "delay"))


def run_step(state: SimState, order: dict[str, Any], step: str, due: datetime) -> None:
    """Apply one automatic step that fell due at ``due``."""
    if state.realistic and step in {SUBMIT_STEP, EXCEPTION_STEP, FOC_CONFIRM_STEP}:
        # The losing carrier's clerks answer in their business hours only.
        opening = realism.next_business_moment(due, realism.carrier_zone(state, order))
        if opening > due:
            state.schedule_at(order, opening, step)
            return
    handler = _STEPS.get(step)
    if handler is not None:
        handler(state, order, due)


def _submitted(state: SimState, order: dict[str, Any], due: datetime) -> None:
    """The carrier has the order: it will raise an exception, or confirm the FOC."""
    details = _carrier_verdict(state, order)
    if details:
        state.schedule_at(order, due + _rejection_delay(state, order), EXCEPTION_STEP)
        order["_sim"]["pending_exception"] = details
    else:
        foc = parse_iso(order["activation_settings"]["foc_datetime_requested"])
        confirm_at = min(due + timedelta(days=1), foc - timedelta(hours=1))
        state.schedule_at(order, max(confirm_at, due), FOC_CONFIRM_STEP)
    _set_status_at(state, order, "submitted", due)
    if state.realistic and not details:
        new = realism.maybe_split(state, order)
        if new is not None:
            state.schedule_at(new, parse_iso(order["_sim"]["next_at"]), FOC_CONFIRM_STEP)


def _exception(state: SimState, order: dict[str, Any], due: datetime) -> None:
    details = order["_sim"].pop("pending_exception", None) or [
        {"code": "OTHER", "description": EXCEPTION_DESCRIPTIONS["OTHER"]}
    ]
    _set_status_at(state, order, "exception", due, details)


def _foc_confirmed(state: SimState, order: dict[str, Any], due: datetime) -> None:
    """The carrier confirms the FOC (in the realistic profile, sometimes a later one)."""
    foc_text: str = order["activation_settings"]["foc_datetime_requested"]
    moved = realism.moved_foc(state, order, parse_iso(foc_text)) if state.realistic else None
    if moved is not None:
        requested, foc_text = foc_text, iso(moved) or foc_text
        realism.note_foc_moved(state, order, requested, foc_text)
    order["activation_settings"]["foc_datetime_actual"] = foc_text
    for number in order["_sim"]["numbers"]:
        number["activation_status"] = "Pending"
        if number["portability_status"] == "pending":
            number["portability_status"] = "confirmed"
    port_at = parse_iso(foc_text)
    if state.realistic:
        if activation.on_demand(order):
            # Nobody activating ports the order at the end of the window (docs).
            port_at = activation.create_job(state, order, port_at)
    elif order["activation_settings"]["fast_port_eligible"]:
        _create_activation_job(state, order)
    state.schedule_at(order, port_at, PORT_STEP)
    _set_status_at(state, order, "foc-date-confirmed", due)


def _cancelled(state: SimState, order: dict[str, Any], due: datetime) -> None:
    for number in order["_sim"]["numbers"]:
        number["activation_status"] = "Cancelled"
    _set_status_at(state, order, "cancelled", due)


def _set_status_at(
    state: SimState,
    order: dict[str, Any],
    value: str,
    moment: datetime,
    details: list[dict[str, str]] | None = None,
) -> None:
    state.set_status(order, value, details)
    # The step happened when it fell due, not when someone next looked.
    order["updated_at"] = iso(moment)
    state.store.put("orders", order)


def mark_ported(state: SimState, order: dict[str, Any], moment: datetime) -> None:
    """Finish the port: numbers active, messaging done, activation job completed."""
    for number in order["_sim"]["numbers"]:
        number["activation_status"] = "Active"
    order["activation_settings"]["activation_status"] = "Active"
    if order["messaging"]["enable_messaging"]:
        order["messaging"]["messaging_port_status"] = "ported"
        order["messaging"]["messaging_port_completed"] = True
    for job in state.store.all("activation_jobs"):
        if job["_order_id"] == order["id"] and job["status"] in {"created", "in-process"}:
            job["status"] = "completed"
            job["updated_at"] = iso(moment)
            state.store.put("activation_jobs", job)
    state.schedule(order, None, None)
    _set_status_at(state, order, "ported", moment)


def _create_activation_job(state: SimState, order: dict[str, Any]) -> None:
    settings = order["activation_settings"]
    foc = parse_iso(settings["foc_datetime_actual"] or settings["foc_datetime_requested"])
    start = foc.replace(hour=11, minute=0, second=0, microsecond=0)  # 06:00 CT as UTC
    end = foc.replace(hour=23, minute=59, second=0, microsecond=0)
    activation.add_job(state, order, start, end)


def cancel_order(state: SimState, order: dict[str, Any]) -> dict[str, Any]:
    """Ask to cancel: non-final, non-draft orders, not within 48 h of the FOC."""
    status = order["status"]["value"]
    if status == "draft":
        raise unprocessable(
            [error("10015", "A draft order cannot be cancelled; delete it instead.", pointer="/")]
        )
    if status in {"ported", "cancelled", "cancel-pending"}:
        raise unprocessable(
            [
                error(
                    "10015",
                    f"The porting order is '{status}' and cannot be cancelled.",
                    pointer="/",
                )
            ]
        )
    foc_text = (
        order["activation_settings"]["foc_datetime_actual"]
        or order["activation_settings"]["foc_datetime_requested"]
    )
    if foc_text and parse_iso(foc_text) - state.now() < CANCEL_CUTOFF:
        raise unprocessable(
            [
                error(
                    "10015",
                    "The order cannot be cancelled within 48 hours of its FOC date; "
                    "contact support.",
                    pointer="/",
                )
            ]
        )
    state.schedule(order, CANCEL_DELAY_S, CANCEL_STEP)
    state.set_status(order, "cancel-pending")
    return order


def activate_order(state: SimState, order: dict[str, Any]) -> dict[str, Any]:
    """On-demand activation of a US/CA FastPort order at foc-date-confirmed, inside its window."""
    if state.realistic:
        return activation.start(state, order)
    if not order["activation_settings"]["fast_port_eligible"]:
        raise unprocessable(
            [error("10015", "On-demand activation is for FastPort orders only.", pointer="/")]
        )
    if order["status"]["value"] != "foc-date-confirmed":
        raise unprocessable(
            [
                error(
                    "10015",
                    "On-demand activation needs the order in 'foc-date-confirmed'; it is "
                    f"'{order['status']['value']}'.",
                    pointer="/",
                )
            ]
        )
    job = next(
        (j for j in state.store.all("activation_jobs") if j["_order_id"] == order["id"]), None
    )
    assert job is not None
    window = job["activation_windows"][0]
    now = state.now()
    if not parse_iso(window["start_at"]) <= now <= parse_iso(window["end_at"]):
        raise unprocessable(
            [
                error(
                    "10015",
                    f"Activation is only possible inside the window {window['start_at']} to "
                    f"{window['end_at']}.",
                    pointer="/",
                )
            ]
        )
    job["status"] = "in-process"
    job["activate_at"] = iso(now)
    job["updated_at"] = iso(now)
    state.store.put("activation_jobs", job)
    mark_ported(state, order, now)
    return job


#: What each automatic step does when it falls due.
_STEPS: dict[str, Callable[[SimState, dict[str, Any], datetime], None]] = {
    SUBMIT_STEP: _submitted,
    EXCEPTION_STEP: _exception,
    FOC_CONFIRM_STEP: _foc_confirmed,
    PORT_STEP: mark_ported,
    CANCEL_STEP: _cancelled,
    # A started activation job finishing: mark_ported completes it.
    activation.ACTIVATION_STEP: mark_ported,
}
