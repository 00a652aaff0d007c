"""End-user data the simulated losing carrier holds for a number, as spreadsheet columns.

The realistic simulator rejects an order whose end user differs from the carrier's record
(docs/simulator.md, R1 and R4). Batches made for tests, benchmarks and the sample take their
end-user columns from here, so the carrier accepts them unless a row is made to differ on
purpose. This is a generator's helper: the pipeline (``porting_batch`` outside the simulator)
never imports it, since a real batch's data comes from the operator.
"""

from __future__ import annotations

from porting_batch.simulator.carriers import record_for


def end_user_fields(phone_number: str, seed: int = 0) -> dict[str, str]:
    """The sheet's end-user columns for ``phone_number``: entity, authorised person, BTN,
    account number, PIN and service address, as the carrier's record has them."""
    record = record_for(phone_number, seed)
    return {
        "entity_name": record.entity_name,
        "auth_person_name": record.auth_person_name,
        "billing_phone_number": record.billing_phone_number,
        "account_number": record.account_number,
        "pin_passcode": record.pin,
        "street_address": record.street_address,
        "locality": record.locality,
        "administrative_area": record.administrative_area,
        "postal_code": record.postal_code,
        "country_code": record.country_code,
    }
