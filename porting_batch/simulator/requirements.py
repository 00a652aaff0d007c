"""Requirement types: the catalog, which of them an order needs, and PATCHing their values.

Telnyx fills an order's ``requirements`` from its country and number type (docs: port-in
requirements). The lenient profile asks every order for the LOA and the invoice only; the
realistic one asks GB and other non-NANP orders for more (docs/simulator.md, rule R17).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from porting_batch.simulator.problems import error

if TYPE_CHECKING:
    from porting_batch.simulator.patch_sections import Patch
    from porting_batch.simulator.state import SimState

#: The catalog's creation stamp: the types are fixed, so their dates are too.
CATALOG_DATE = "2021-05-03T13:23:37Z"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class RequirementType:
    """One entry of ``GET /requirement_types``."""

    id: str
    name: str
    type: str
    description: str
    example: str
    acceptance_criteria: dict[str, Any] = field(default_factory=dict)
    document_kind: str | None = None  # "loa"/"invoice": also met by the order's ``documents``

    def public(self) -> dict[str, Any]:
        """The type as the API shows it."""
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "example": self.example,
            "acceptance_criteria": dict(self.acceptance_criteria),
            "record_type": "requirement_type",
            "created_at": CATALOG_DATE,
            "updated_at": CATALOG_DATE,
        }


# The LOA and invoice ids are the two of the docs' requirements example (port-in requirements);
# "Proof of Address" is the spec's DocReqsRequirementType example; the GB ones are ours.
LOA = RequirementType(
    "a428786a-5dc2-41c0-b0fe-c32df4c1b5e2",
    "Letter of Authorization",
    "document",
    "A letter of authorization for the numbers being ported, signed by the authorized person.",
    "Signed LOA",
    {"time_limit": "Signed within the last 90 days"},
    document_kind="loa",
)
INVOICE = RequirementType(
    "53970723-fbff-4f46-a975-f62be6c1a585",
    "Latest Invoice",
    "document",
    "A copy of the latest phone bill from the current provider",
    "Most recent phone bill",
    {"time_limit": "90 days"},
    document_kind="invoice",
)
PROOF_OF_ADDRESS = RequirementType(
    "6a09cdc3-8948-47f0-aa62-74ac943d6c58",
    "Proof of Address",
    "document",
    "Proves the customer has a physical address in the same locality as the phone number",
    "Utility bill, internet bill, phone bill, or lease",
    {"locality_limit": "Issued by the same country that the phone number belongs to"},
)
UNDERLYING_CARRIER = RequirementType(
    "3e1c6a52-0b7d-4f0e-9a43-7d2a1c5e9b01",
    "Underlying Carrier",
    "textual",
    "The underlying carrier that hosts the numbers, which a UK LOA must name.",
    "BT",
    {"min_length": 2, "max_length": 100},
)
LINE_TYPE = RequirementType(
    "3e1c6a52-0b7d-4f0e-9a43-7d2a1c5e9b02",
    "Line Type",
    "textual",
    "Whether the numbers are a single line or a multi-line installation (PBX, ISDN).",
    "multi-line",
    {"acceptable_values": ["single-line", "multi-line"]},
)
PAC = RequirementType(
    "3e1c6a52-0b7d-4f0e-9a43-7d2a1c5e9b03",
    "PAC Number",
    "textual",
    "The Porting Authorisation Code the current mobile provider issued.",
    "ABC123456",
    {"min_length": 9, "max_length": 9, "acceptable_characters": _ALNUM},
)
CATALOG: tuple[RequirementType, ...] = (
    LOA,
    INVOICE,
    PROOF_OF_ADDRESS,
    UNDERLYING_CARRIER,
    LINE_TYPE,
    PAC,
)
BY_ID = {kind.id: kind for kind in CATALOG}
NANP_COUNTRIES = frozenset({"US", "CA"})


def types_for(state: SimState, order: dict[str, Any]) -> list[RequirementType]:
    """The requirement types an order must meet, by profile, country and number type."""
    base = [LOA, INVOICE]
    country = order["_sim"]["country_code"]
    if not state.realistic or country in NANP_COUNTRIES:
        return base
    if country != "GB":
        return [*base, PROOF_OF_ADDRESS]
    kind = order["phone_number_type"]
    if kind == "mobile":
        return [*base, PAC]
    if kind in ("local", "landline"):  # rule 1 types GB geographic numbers landline
        return [*base, UNDERLYING_CARRIER, LINE_TYPE]
    return [*base, UNDERLYING_CARRIER]


def entry(kind: RequirementType, value: str) -> dict[str, Any]:
    """One item of an order's ``requirements``.

    The spec's order-level ``field_type`` enum has only ``document``, so a textual type's item
    carries no ``field_type`` there (the detail endpoint says ``textual``).
    """
    item: dict[str, Any] = {"requirement_type_id": kind.id}
    if kind.type == "document":
        item["field_type"] = "document"
    item["field_value"] = value
    item["record_type"] = "porting_requirement"
    return item


def initial_requirements(state: SimState, order: dict[str, Any]) -> list[dict[str, Any]]:
    """What a new order's ``requirements`` lists: realistic, every type beyond LOA and invoice."""
    if not state.realistic:
        return []
    return [entry(kind, "") for kind in types_for(state, order) if kind.document_kind is None]


def value_of(order: dict[str, Any], kind: RequirementType) -> str:
    """The value meeting ``kind`` on this order, or "" when none does."""
    for item in order["requirements"]:
        if item["requirement_type_id"] == kind.id and item.get("field_value"):
            return str(item["field_value"])
    if kind.document_kind is not None:
        return str(order["documents"][kind.document_kind] or "")
    return ""


def requirements_met(state: SimState, order: dict[str, Any]) -> bool:
    """Whether every requirement type of the order has a value."""
    return all(value_of(order, kind) for kind in types_for(state, order))


def unmet_errors(state: SimState, order: dict[str, Any]) -> list[dict[str, Any]]:
    """Confirm's errors for the requirements beyond LOA and invoice, one per unmet type."""
    return [
        error(
            "10004",
            f"Requirement '{kind.name}' ({kind.id}) is not met: PATCH its value into "
            "'requirements'.",
            pointer="/requirements",
        )
        for kind in types_for(state, order)
        if kind.document_kind is None and not value_of(order, kind)
    ]


def detail(order: dict[str, Any], kind: RequirementType) -> dict[str, Any]:
    """One item of ``GET /porting_orders/{id}/requirements``."""
    value = value_of(order, kind)
    public = kind.public()
    return {
        "field_type": kind.type if kind.type in ("document", "textual") else "document",
        "field_value": value,
        "record_type": "porting_requirement",
        "requirement_status": "approved" if value else "pending",
        "requirement_type": {
            key: public[key]
            for key in ("id", "name", "type", "description", "example", "acceptance_criteria")
        },
    }


# ---- PATCH ``requirements`` -----------------------------------------------------------------
def document_problem(state: SimState, value: Any) -> str | None:
    """Why a document id cannot be linked to an order, or None when it can."""
    document = state.store.get("documents", value) if isinstance(value, str) else None
    if document is None:
        return f"Document {value!r} does not exist."
    if document["status"] == "denied":
        return f"Document {value} was denied ({document['av_scan_status']}) and cannot be used."
    return None


def _textual_problem(kind: RequirementType, value: str) -> str | None:
    """Why a textual value does not meet the type's acceptance criteria, or None."""
    criteria = kind.acceptance_criteria
    allowed = criteria.get("acceptable_values")
    if allowed and value not in allowed:
        return f"'{kind.name}' must be one of {', '.join(allowed)}."
    low, high = criteria.get("min_length", 1), criteria.get("max_length", 10_000)
    if not low <= len(value) <= high:
        return f"'{kind.name}' must be {low} to {high} characters long."
    characters = criteria.get("acceptable_characters")
    if characters and any(char not in characters for char in value):
        return f"'{kind.name}' may only hold the characters {characters}."
    return None


def patch_requirements(patch: Patch, requirements: Any) -> None:
    """The ``requirements`` section: each item names a type of this order and a valid value.

    Items are merged into the order's list by type id, as Telnyx fills a listed requirement.
    """
    if not isinstance(requirements, list):
        patch.fail(
            error("10015", "The 'requirements' parameter is invalid.", pointer="/requirements")
        )
        return
    wanted = {kind.id: kind for kind in types_for(patch.state, patch.order)}
    merged = list(patch.updated["requirements"])
    for index, item in enumerate(requirements):
        accepted = _requirement(patch, wanted, f"/requirements/{index}", item)
        if accepted is None:
            continue
        merged = [r for r in merged if r["requirement_type_id"] != accepted["requirement_type_id"]]
        merged.append(accepted)
    patch.updated["requirements"] = merged


def _requirement(
    patch: Patch, wanted: dict[str, RequirementType], pointer: str, item: Any
) -> dict[str, Any] | None:
    """One requirement as the order keeps it, or None (and an error) when it is invalid."""
    if not isinstance(item, dict) or not all(
        isinstance(item.get(key), str) for key in ("requirement_type_id", "field_value")
    ):
        patch.fail(
            error(
                "10015",
                "Each requirement needs string 'requirement_type_id' and 'field_value'.",
                pointer=pointer,
            )
        )
        return None
    kind = wanted.get(item["requirement_type_id"])
    if kind is None:
        patch.fail(
            error(
                "10015",
                f"Requirement type {item['requirement_type_id']!r} is not a requirement of this "
                f"order; see GET /porting_orders/{patch.order['id']}/requirements.",
                pointer=f"{pointer}/requirement_type_id",
            )
        )
        return None
    value = item["field_value"]
    if kind.type == "document":
        problem = document_problem(patch.state, value)
    else:
        problem = _textual_problem(kind, value)
    if problem:
        patch.fail(error("10015", problem, pointer=f"{pointer}/field_value"))
        return None
    return entry(kind, value)
