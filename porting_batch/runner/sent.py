"""What an order was sent, field by field: the PATCH's leaves by path, and their keyed
fingerprints, so that a corrected sheet is sent as only the fields it changed.

The fingerprints are HMACs under the reference key (``porting_batch.references``): the ledger
can tell that a PIN changed without holding anything from which the PIN could be recovered.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from porting_batch.order_patch import build_patch
from porting_batch.plan import OrderGroup
from porting_batch.references import KEY_FILE, keyed_digest, load_or_create_key, reference_key
from porting_batch.settings import Settings

#: The requested FOC's path: fingerprinted on the sheet's date, sent as the FOC chosen for it.
FOC_PATH = "activation_settings.foc_datetime_requested"
#: Body keys that are the order's identity, not the operator's data: never diffed or re-sent.
#: The customer group reference is data when the operator fills it (the sheet's "Customer group
#: reference"): a changed one is sent like any changed field. Left empty, the batch id goes on
#: create and PATCH and no fingerprint is kept, so ledgers from before the column agree.
IDENTITY_KEYS = frozenset({"customer_reference"})
GROUP_REFERENCE = "customer_group_reference"
#: Optional leaves an operator may empty in a corrected sheet (a Suite/Unit the carrier's record
#: does not have): an emptied one is sent as null, which clears it at Telnyx (the spec's
#: location fields are nullable). Any other leaf emptied is left as it was.
CLEARABLE = ("end_user.location.extended_address",)
_NULL = "null"


def group_reference(group: OrderGroup, batch_id: str) -> str:
    """The order's customer group reference: the operator's for its account, else the batch id."""
    return group.fields.get(GROUP_REFERENCE, "").strip() or batch_id


def field_values(group: OrderGroup, documents: Mapping[str, str]) -> dict[str, str]:
    """The sheet's data for one order as PATCH leaves by dotted path (values as JSON text)."""
    body = build_patch(
        group.fields,
        customer_reference="",
        customer_group_reference=group.fields.get(GROUP_REFERENCE, "").strip(),
        foc=None,
        documents=documents,
    )
    values: dict[str, str] = {}
    _flatten(body, "", values)
    values[FOC_PATH] = group.requested_foc.isoformat() if group.requested_foc else ""
    for path in CLEARABLE:
        values.setdefault(path, _NULL)
    return values


def never_set(
    current: Mapping[str, str], values: Mapping[str, str], stored: Mapping[str, str]
) -> dict[str, str]:
    """``current`` without the clearable leaves that are empty now and were never sent: an
    order sent before they were tracked holds nothing there, and nothing needs clearing."""
    return {
        path: print_
        for path, print_ in current.items()
        if not (path in CLEARABLE and values.get(path) == _NULL and path not in stored)
    }


def _flatten(data: Mapping[str, Any], prefix: str, into: dict[str, str]) -> None:
    for key, value in data.items():
        if not prefix and key in IDENTITY_KEYS:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, path + ".", into)
        else:
            into[path] = json.dumps(value, sort_keys=True)


def fingerprints(settings: Settings, values: Mapping[str, str]) -> dict[str, str]:
    """Each field's keyed fingerprint (its path is part of what is hashed)."""
    key = _key(settings)
    return {path: keyed_digest(key, path + "\x00" + value) for path, value in values.items()}


def _key(settings: Settings) -> bytes:
    if settings.reference_secret is not None:
        return reference_key(settings)
    return _file_key(str(Path(settings.state_dir).resolve()))


@functools.lru_cache(maxsize=8)
def _file_key(state_dir: str) -> bytes:
    # One read of the key file per state folder, not one per order of a large batch.
    return load_or_create_key(Path(state_dir) / KEY_FILE)


def changed_paths(current: Mapping[str, str], stored: Mapping[str, str]) -> list[str]:
    """The paths whose fingerprint differs from what was stored, in a stable order."""
    return sorted(path for path, print_ in current.items() if stored.get(path) != print_)


def partial_body(values: Mapping[str, str], paths: Iterable[str]) -> dict[str, Any]:
    """A PATCH body holding only ``paths`` (the FOC path is left to the caller)."""
    body: dict[str, Any] = {}
    for path in paths:
        if path == FOC_PATH:
            continue
        *parents, leaf = path.split(".")
        node = body
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = json.loads(values[path])
    return body
