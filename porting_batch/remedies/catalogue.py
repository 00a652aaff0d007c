"""What each Telnyx exception type means for the operator: the columns it concerns and the fix.

Telnyx lists 21 exception types (``GET /porting_orders/exception_types``, the spec's
``PortingOrdersExceptionType``). A data mismatch names the template columns
(:mod:`porting_batch.columns`) the operator corrects; a code the sheet cannot fix (a silent
carrier, a pending LSR) says what to do instead. The wording of the fixes follows the
rejection notes in ``docs/reports.md`` (tracking report section).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["COLUMN_LABELS", "FIXES", "Fix"]


@dataclass(frozen=True)
class Fix:
    """How to answer one exception type.

    ``columns`` are the canonical columns that hold the data at fault (empty when no cell can
    fix it); ``problem`` completes "<column label> ..." (or ``subject`` when there is no
    column); ``hint`` is the fix when the carrier's value is not known, or the action to take
    instead of a sheet change.
    """

    code: str
    problem: str
    hint: str
    columns: tuple[str, ...] = ()
    subject: str = ""


_RECORD = "does not match the losing carrier's record"
_AS_ON_BILL = "write it exactly as on the losing carrier's bill or CSR"
_SUPPORT = "contact Telnyx support quoting the order's support key"

#: How a line names a template column.
COLUMN_LABELS: dict[str, str] = {
    "phone_number": "phone number",
    "entity_name": "entity name",
    "auth_person_name": "authorized person",
    "account_number": "account number",
    "pin_passcode": "PIN / passcode",
    "billing_phone_number": "billing telephone number (BTN)",
    "street_address": "service street address",
    "extended_address": "service address line 2",
    "locality": "service city",
    "administrative_area": "service state / province",
    "postal_code": "service postal code",
    "country_code": "service country",
    "port_type": "port type",
    "remaining_numbers_action": "remaining numbers action",
    "new_billing_phone_number": "new billing telephone number",
    "requested_foc": "requested FOC date",
    "order_ref": "order group (order_ref)",
}

_LIST: tuple[Fix, ...] = (
    Fix("ACCOUNT_NUMBER_MISMATCH", _RECORD, _AS_ON_BILL, ("account_number",)),
    Fix("AUTH_PERSON_MISMATCH", _RECORD, "name the person authorised on the losing account",
        ("auth_person_name",)),
    Fix("BTN_ATN_MISMATCH", _RECORD, "use the account's main billing number from the bill",
        ("billing_phone_number",)),
    Fix("ENTITY_NAME_MISMATCH", _RECORD, _AS_ON_BILL + " ('Inc.' is not 'Incorporated')",
        ("entity_name",)),
    Fix("LOCATION_MISMATCH", _RECORD, "use the service address on the CSR, not the billing "
        "address", ("street_address", "locality", "administrative_area")),
    Fix("POSTAL_CODE_MISMATCH", _RECORD, "use the service address's postal code from the CSR",
        ("postal_code",)),
    Fix("PASSCODE_PIN_INVALID", "was refused by the losing carrier",
        "ask the end user for the current port-out PIN from their carrier", ("pin_passcode",)),
    Fix("PHONE_NUMBER_MISMATCH", "is not on the losing carrier's account",
        "check its digits, or give it the rows of the account it belongs to", ("phone_number",)),
    Fix("PHONE_NUMBER_NOT_PORTABLE", "cannot be ported",
        "remove it from the order (a cancel in the sheet) and resubmit the rest",
        ("phone_number",)),
    Fix("RATE_CENTER_NOT_PORTABLE", "is in a rate center Telnyx cannot port",
        "remove it from the order (a cancel in the sheet) and resubmit the rest",
        ("phone_number",)),
    Fix("PORT_TYPE_INCORRECT", "is wrong for this account",
        "full when every number of the account moves, partial otherwise", ("port_type",)),
    Fix("MAIN_BTN_PORTING", "is needed: the account's main billing number is leaving while "
        "other numbers stay", "give the BTN the losing account keeps and keep or disconnect",
        ("new_billing_phone_number", "remaining_numbers_action")),
    Fix("PORTING_ORDER_SPLIT_REQUIRED", "mixes numbers the carrier holds apart",
        "Telnyx ops split the order (the new order shows in the next tracking report); if the "
        "numbers are on different accounts, give each account its own order_ref",
        ("order_ref",)),
    Fix("FOC_REJECTED", "was rejected by the losing carrier",
        "request a new FOC: a later business day inside the allowed windows",
        ("requested_foc",)),
    Fix("FOC_EXPIRED", "has passed before the port",
        "request a new FOC: a later business day inside the allowed windows",
        ("requested_foc",)),
    Fix("LSR_PENDING", "is still pending with the losing carrier",
        "nothing to change in the sheet: wait for the carrier; comment on the order if it "
        "lasts beyond the carrier's window", subject="the local service request"),
    Fix("OSP_IRRESPONSIVE", "is not responding", "nothing to change in the sheet: ask the end "
        "user to call their carrier, and " + _SUPPORT + " to escalate",
        subject="the losing carrier"),
    Fix("OTHER", "was raised with no specific code", "read the order's comments in the Telnyx "
        "portal and answer there; " + _SUPPORT + " if unclear", subject="an exception"),
    Fix("PHONE_NUMBER_HAS_SPECIAL_FEATURE", "has a special feature (DSL, alarm, hunt group, "
        "fax)", "ask the end user to have the feature removed by the losing carrier, then "
        "resubmit unchanged", subject="a phone number"),
    Fix("SV_CONFLICT", "conflicts with another port of the same number",
        "check no other port or account change is in flight for the numbers; " + _SUPPORT,
        subject="the subscription version"),
    Fix("SV_UNKNOWN_FAILURE", "failed at the number portability administrator",
        "nothing to change in the sheet: " + _SUPPORT, subject="the subscription version"),
)  # fmt: skip

#: Every known exception type code, with its fix.
FIXES: dict[str, Fix] = {fix.code: fix for fix in _LIST}
