"""What the pipeline keeps of a customer service record: only what the comparison needs.

The account number on a CSR is a secret: it is kept as a keyed fingerprint (HMAC under the
reference key, :func:`porting_batch.references.keyed_digest`) of its compared form, never in
clear. The CSR has no PIN field; the PIN sent to ask for it is never kept at all.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from porting_batch.client.models import CustomerServiceRecord
from porting_batch.csr.compare import identifier
from porting_batch.references import keyed_digest


class CsrStatus(StrEnum):
    """Where one account's CSR stands for this run."""

    COMPLETED = "completed"
    FAILED = "failed"
    PENDING = "pending"  # asked, not settled by the deadline: the next run polls the same one
    NOT_COVERED = "not_covered"


@dataclass(frozen=True)
class CarrierView:
    """The losing carrier's record of one account, reduced to the fields compared."""

    name: str = ""
    authorized_person_name: str = ""
    account_fingerprint: str = ""
    billing_phone_number: str = ""
    street_address: str = ""
    locality: str = ""
    administrative_area: str = ""
    postal_code: str = ""
    carrier_name: str = ""
    associated_phone_numbers: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> str:
        """The view as stored in the ledger."""
        data = asdict(self)
        data["associated_phone_numbers"] = list(self.associated_phone_numbers)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> CarrierView:
        """A view read back from the ledger (unknown keys from a later version are ignored)."""
        data: dict[str, Any] = json.loads(text or "{}")
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        known["associated_phone_numbers"] = tuple(known.get("associated_phone_numbers", ()))
        return cls(**known)


def account_fingerprint(key: bytes, account_number: str) -> str:
    """The keyed fingerprint of an account number, as compared ("" for none)."""
    folded = identifier(account_number)
    return keyed_digest(key, "csr-account|" + folded) if folded else ""


def view_of(record: CustomerServiceRecord, key: bytes) -> CarrierView:
    """A completed CSR reduced to what the comparison needs, the account number fingerprinted."""
    result = record.result
    if result is None:
        return CarrierView()
    admin = result.admin
    address = result.address or {}
    secret = admin.account_number if admin is not None else None
    return CarrierView(
        name=(admin.name if admin else None) or "",
        authorized_person_name=(admin.authorized_person_name if admin else None) or "",
        account_fingerprint=account_fingerprint(
            key, secret.get_secret_value() if secret is not None else ""
        ),
        billing_phone_number=(admin.billing_phone_number if admin else None) or "",
        street_address=str(address.get("street_address") or ""),
        locality=str(address.get("locality") or ""),
        administrative_area=str(address.get("administrative_area") or ""),
        postal_code=str(address.get("postal_code") or ""),
        carrier_name=result.carrier_name or "",
        associated_phone_numbers=tuple(result.associated_phone_numbers),
    )
