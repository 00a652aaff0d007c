"""PATCH /porting_orders/{id}: every section's validation, pinned error by error and in order."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from porting_batch.simulator.requirements import LOA

from .conftest import sim_client
from .helpers import END_USER, SLOW_NUMBERS, create, first_window, upload

LOA_TYPE = LOA.id

MISSING = "'{0}' is not a field the API accepts here."
INVALID = "The '{0}' parameter is invalid."
NOT_AN_OBJECT = "The '{0}' must be an object."

# One error in every section of the body (and an unknown key in each object section).
EVERY_SECTION_WRONG: dict[str, Any] = {
    "bogus": 1,
    "customer_reference": 5,
    "customer_group_reference": ["x"],
    "webhook_url": "ftp://example.com/hook",
    "activation_settings": {"extra": 1, "foc_datetime_requested": "next tuesday"},
    "documents": {"x": 1, "loa": "nope", "invoice": 7},
    "end_user": {
        "other": {},
        "admin": {"zzz": 1, "billing_phone_number": "+1 555", "entity_name": 3},
        "location": {"country_code": "usa", "locality": 1},
    },
    "misc": {"type": "x", "remaining_numbers_action": "sell", "new_billing_phone_number": "123"},
    "messaging": {"enable_messaging": "yes"},
    "phone_number_configuration": {"q": 0, "tags": [1], "connection_id": 1},
    "requirement_group_id": "abc",
    "requirements": [5, {"requirement_type_id": LOA_TYPE, "field_value": "nope"}],
    "user_feedback": {"user_rating": 9, "user_comment": 4},
}

EVERY_SECTION_ERRORS = [
    ("10015", "/bogus", MISSING.format("bogus")),
    ("10015", "/customer_reference", INVALID.format("customer_reference")),
    ("10015", "/customer_group_reference", INVALID.format("customer_group_reference")),
    ("10015", "/webhook_url", INVALID.format("webhook_url")),
    ("10015", "/activation_settings/extra", MISSING.format("extra")),
    (
        "10015",
        "/activation_settings/foc_datetime_requested",
        INVALID.format("foc_datetime_requested"),
    ),
    ("10015", "/documents/x", MISSING.format("x")),
    ("10015", "/documents/loa", "Document 'nope' does not exist."),
    ("10015", "/documents/invoice", "Document 7 does not exist."),
    ("10015", "/end_user/other", MISSING.format("other")),
    ("10015", "/end_user/admin/zzz", MISSING.format("zzz")),
    ("10015", "/end_user/admin/entity_name", INVALID.format("entity_name")),
    ("10015", "/end_user/admin/billing_phone_number", INVALID.format("billing_phone_number")),
    ("10015", "/end_user/location/locality", INVALID.format("locality")),
    ("10015", "/end_user/location/country_code", INVALID.format("country_code")),
    ("10015", "/misc/type", INVALID.format("type")),
    ("10015", "/misc/remaining_numbers_action", INVALID.format("remaining_numbers_action")),
    ("10015", "/misc/new_billing_phone_number", INVALID.format("new_billing_phone_number")),
    ("10015", "/messaging/enable_messaging", INVALID.format("enable_messaging")),
    ("10015", "/phone_number_configuration/q", MISSING.format("q")),
    ("10015", "/phone_number_configuration/connection_id", INVALID.format("connection_id")),
    ("10015", "/phone_number_configuration/tags", INVALID.format("tags")),
    (
        "10015",
        "/requirement_group_id",
        "'requirement_group_id' cannot be combined with 'documents' or 'requirements' in the "
        "same request.",
    ),
    (
        "10015",
        "/requirements/0",
        "Each requirement needs string 'requirement_type_id' and 'field_value'.",
    ),
    ("10015", "/requirements/1/field_value", "Document 'nope' does not exist."),
    ("10015", "/user_feedback/user_rating", INVALID.format("user_rating")),
    ("10015", "/user_feedback/user_comment", INVALID.format("user_comment")),
]

KEEP_NEEDS_NUMBER = "'remaining_numbers_action: keep' requires 'new_billing_phone_number'."

CASES = [
    pytest.param(SLOW_NUMBERS[:1], EVERY_SECTION_WRONG, EVERY_SECTION_ERRORS, id="every-section"),
    pytest.param(
        SLOW_NUMBERS[:1],
        {
            "end_user": "x",
            "misc": [],
            "documents": 1,
            "activation_settings": None,
            "phone_number_configuration": "a",
            "user_feedback": 2,
            "messaging": 3,
            "requirements": {},
        },
        [
            ("10015", "/activation_settings", NOT_AN_OBJECT.format("activation_settings")),
            ("10015", "/documents", NOT_AN_OBJECT.format("documents")),
            ("10015", "/end_user", NOT_AN_OBJECT.format("end_user")),
            ("10015", "/misc", NOT_AN_OBJECT.format("misc")),
            ("10015", "/messaging", NOT_AN_OBJECT.format("messaging")),
            (
                "10015",
                "/phone_number_configuration",
                NOT_AN_OBJECT.format("phone_number_configuration"),
            ),
            ("10015", "/requirements", INVALID.format("requirements")),
            ("10015", "/user_feedback", NOT_AN_OBJECT.format("user_feedback")),
        ],
        id="sections-not-objects",
    ),
    pytest.param(
        SLOW_NUMBERS[:1],
        {"requirement_group_id": 5},
        [("10015", "/requirement_group_id", INVALID.format("requirement_group_id"))],
        id="requirement-group-not-a-uuid",
    ),
    pytest.param(
        SLOW_NUMBERS[:1],
        {"requirement_group_id": "5a4f9f8e-0000-4000-8000-000000000000"},
        [
            (
                "10005",
                "/requirement_group_id",
                "Requirement group 5a4f9f8e-0000-4000-8000-000000000000 was not found.",
            )
        ],
        id="requirement-group-unknown",
    ),
    pytest.param(
        SLOW_NUMBERS[:1],
        {
            "misc": {"remaining_numbers_action": "keep"},
            "activation_settings": {"foc_datetime_requested": "2026-03-06T14:00:00Z"},
        },
        [
            (
                "80018",
                "/activation_settings/foc_datetime_requested",
                "The requested FOC date 2026-03-06T14:00:00Z is outside the allowed FOC windows; "
                "see GET /porting_orders/{id}/allowed_foc_windows.",
            ),
            ("10015", "/misc/new_billing_phone_number", KEEP_NEEDS_NUMBER),
        ],
        id="foc-outside-windows-and-keep-without-number",
    ),
    pytest.param(
        ["+442079460000"],  # a UK landline: not messaging capable
        {"messaging": {"enable_messaging": True}, "end_user": {"admin": "x", "location": 1}},
        [
            ("10015", "/end_user/admin", NOT_AN_OBJECT.format("admin")),
            ("10015", "/end_user/location", NOT_AN_OBJECT.format("location")),
            (
                "10015",
                "/messaging/enable_messaging",
                "Messaging cannot be enabled: these numbers are not messaging capable.",
            ),
        ],
        id="nested-not-objects-and-messaging-not-capable",
    ),
    pytest.param(
        SLOW_NUMBERS[:1],
        [1],
        [("10015", "/", "The request body must be a JSON object.")],
        id="body-not-an-object",
    ),
]


@pytest.mark.parametrize(("numbers", "body", "expected"), CASES)
def test_patch_collects_errors_in_section_order_with_their_pointers(
    app: Any, numbers: list[str], body: Any, expected: list[tuple[str, str, str]]
) -> None:
    """Every invalid field gives one error, in body-section order, with code, pointer, detail."""
    # The spec rejects these bodies outright, so the exchange is not validated against it.
    with sim_client(app, validate=False) as api:
        [order] = create(api, numbers)
        response = api.patch(f"/porting_orders/{order['id']}", json=body)
    assert response.status_code == 422
    found = [
        (item["code"], item["source"]["pointer"], item["detail"])
        for item in response.json()["errors"]
    ]
    assert found == [
        (code, pointer, detail.replace("{id}", order["id"])) for code, pointer, detail in expected
    ]


def test_patch_applies_a_valid_change_in_every_section(api: TestClient) -> None:
    """A valid value in every section lands where the order shows it, and nothing else moves."""
    [order] = create(api, SLOW_NUMBERS[:1])
    loa, invoice = upload(api), upload(api, name="invoice.pdf")
    foc = first_window(api, order["id"])
    body = {
        "customer_reference": "r2",
        "customer_group_reference": "g2",
        "webhook_url": "https://example.com/h",
        "activation_settings": {"foc_datetime_requested": foc},
        "documents": {"loa": loa, "invoice": invoice},
        "end_user": END_USER,
        "misc": {
            "type": "partial",
            "remaining_numbers_action": "keep",
            "new_billing_phone_number": "+13125550199",
        },
        "messaging": {"enable_messaging": True},
        "phone_number_configuration": {
            "connection_id": "c1",
            "messaging_profile_id": "mp1",
            "tags": ["a", "b"],
        },
        "requirements": [{"requirement_type_id": LOA_TYPE, "field_value": loa}],
        "user_feedback": {"user_rating": 5, "user_comment": "ok"},
    }
    response = api.patch(f"/porting_orders/{order['id']}", json=body)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data == order | {
        "updated_at": data["updated_at"],
        "customer_reference": "r2",
        "customer_group_reference": "g2",
        "webhook_url": "https://example.com/h",
        "activation_settings": order["activation_settings"] | {"foc_datetime_requested": foc},
        "documents": {"loa": loa, "invoice": invoice},
        "requirements_met": True,
        "end_user": {
            "admin": END_USER["admin"] | {"business_identifier": None, "tax_identifier": None},
            "location": END_USER["location"] | {"extended_address": None},
        },
        "misc": body["misc"],
        "messaging": order["messaging"]
        | {"enable_messaging": True, "messaging_port_status": "pending"},
        "phone_number_configuration": {
            "connection_id": "c1",
            "messaging_profile_id": "mp1",
            "billing_group_id": None,
            "emergency_address_id": None,
            "tags": ["a", "b"],
        },
        "requirements": [
            {
                "requirement_type_id": LOA_TYPE,
                "field_type": "document",
                "field_value": loa,
                "record_type": "porting_requirement",
            }
        ],
        "user_feedback": {"user_rating": 5, "user_comment": "ok"},
    }
