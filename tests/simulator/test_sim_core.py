"""The first deliverable: auth, portability, create, list, retrieve, PATCH, delete, confirm."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from porting_batch.simulator.requirements import LOA

from .conftest import sim_client
from .helpers import END_USER, FAST_NUMBERS, SLOW_NUMBERS, complete, create, first_window

LOA_TYPE = LOA.id


def test_requests_without_a_valid_key_get_a_401_error(app: Any) -> None:
    """A missing or wrong Bearer key is answered 401 with a JSON:API error 10009."""
    with sim_client(app, key="WRONG") as client:
        response = client.get("/porting_orders")
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "10009"
    with sim_client(app) as client:
        del client.headers["Authorization"]
        assert client.post("/portability_checks", json={"phone_numbers": []}).status_code == 401


def test_portability_check_reports_spec_fields_and_documented_extras(api: TestClient) -> None:
    """Each result carries the spec fields plus carrier, type, messaging, SPID and country."""
    response = api.post(
        "/portability_checks",
        json={"phone_numbers": ["+13125600101", "+13125559950", "+18005550100", "+442079460000"]},
    )
    assert response.status_code == 201
    by_number = {item["phone_number"]: item for item in response.json()["data"]}
    assert by_number["+13125600101"] == {
        "phone_number": "+13125600101",
        "portable": True,
        "fast_portable": True,
        "not_portable_reason": "",
        "record_type": "portability_check_result",
        "carrier_name": "Prairie Bell Telephone",
        "phone_number_type": "local",
        "messaging_capable": True,
        "spid": "4P01",
        "country_code": "US",
    }
    assert by_number["+13125559950"]["portable"] is False
    assert by_number["+13125559950"]["not_portable_reason"] == "No coverage"
    assert by_number["+18005550100"]["phone_number_type"] == "toll_free"
    assert by_number["+442079460000"]["phone_number_type"] == "landline"
    assert by_number["+442079460000"]["carrier_name"] == "GB National Telecom"


def test_create_splits_by_spid_type_and_fastport_in_request_order(api: TestClient) -> None:
    """One request yields one draft per (country, type, SPID, FastPort), first-seen order."""
    numbers = [SLOW_NUMBERS[0], FAST_NUMBERS[0], "+18005550100", SLOW_NUMBERS[1]]
    orders = create(api, numbers, reference="batch-7")
    assert [
        (o["description"], [n["phone_number"] for n in o["phone_numbers"]]) for o in orders
    ] == [
        ("Bluegrass Telco", [SLOW_NUMBERS[0], SLOW_NUMBERS[1]]),
        ("FP Prairie Bell Telephone", [FAST_NUMBERS[0]]),
        ("Beacon RespOrg Services", ["+18005550100"]),
    ]
    assert {o["customer_reference"] for o in orders} == {"batch-7"}
    assert [o["porting_phone_numbers_count"] for o in orders] == [2, 1, 1]
    assert [o["activation_settings"]["fast_port_eligible"] for o in orders] == [False, True, False]
    assert {o["status"]["value"] for o in orders} == {"draft"}
    assert orders[0]["old_service_provider_ocn"] == "Bluegrass Telco"


@pytest.mark.parametrize(
    ("numbers", "pointers", "codes"),
    [
        pytest.param([], ["/phone_numbers"], ["10015"], id="empty"),
        pytest.param(["3125550101"], ["/phone_numbers/0"], ["10015"], id="not-e164"),
        pytest.param(
            ["+13125550101", "+13125550101"], ["/phone_numbers/1"], ["80200"], id="duplicate"
        ),
        pytest.param(
            ["+13125550101", "+13125559999", "nope"],
            ["/phone_numbers/1", "/phone_numbers/2"],
            ["10015", "10015"],
            id="not-portable-and-invalid",
        ),
    ],
)
def test_create_refuses_bad_numbers_with_one_error_each(
    api: TestClient, numbers: list[Any], pointers: list[str], codes: list[str]
) -> None:
    """Empty, non-E.164, duplicate and non-portable numbers: 422, one pointer per number."""
    response = api.post("/porting_orders", json={"phone_numbers": numbers})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["source"]["pointer"] for e in errors] == pointers
    assert [e["code"] for e in errors] == codes


def test_create_refuses_numbers_already_in_an_active_order(api: TestClient) -> None:
    """A number in a live order is refused with 80003 naming that order."""
    [order] = create(api, SLOW_NUMBERS)
    response = api.post("/porting_orders", json={"phone_numbers": [SLOW_NUMBERS[1]]})
    assert response.status_code == 422
    [item] = response.json()["errors"]
    assert item["code"] == "80003"
    assert order["id"] in item["detail"]


def test_list_filters_by_customer_reference_and_pages(api: TestClient) -> None:
    """filter[customer_reference] selects, page[size] pages, meta counts the whole result."""
    for index in range(3):
        create(api, [f"+1312555{index:04d}"], reference="wanted")
    create(api, ["+13125550200"], reference="other")
    response = api.get(
        "/porting_orders",
        params={"filter[customer_reference]": "wanted", "page[size]": 2, "page[number]": 2},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["meta"] == {"page_number": 2, "page_size": 2, "total_pages": 2, "total_results": 3}
    assert [o["customer_reference"] for o in body["data"]] == ["wanted"]
    # newest first by default: page 2 holds the oldest
    assert body["data"][0]["phone_numbers"][0]["phone_number"] == "+13125550000"


def test_list_refuses_a_page_size_over_250(api: TestClient) -> None:
    """page[size] above 250 is a 422 naming the parameter."""
    response = api.get("/porting_orders", params={"page[size]": 251})
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"] == {"parameter": "page[size]"}


def test_retrieve_returns_the_order_and_its_numbers_url(api: TestClient) -> None:
    """GET by id answers the order and meta.phone_numbers_url; unknown ids are 404."""
    [order] = create(api, SLOW_NUMBERS)
    response = api.get(f"/porting_orders/{order['id']}")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == order["id"]
    assert response.json()["meta"]["phone_numbers_url"].endswith(order["id"])
    missing = api.get("/porting_orders/00000000-0000-4000-8000-000000000000")
    assert missing.status_code == 404


def test_patch_keeps_omitted_fields_and_clears_nulls(api: TestClient) -> None:
    """Fields left out keep their value; an explicit null clears one."""
    [order] = create(api, SLOW_NUMBERS)
    url = f"/porting_orders/{order['id']}"
    api.patch(url, json={"end_user": END_USER, "customer_group_reference": "g1"})
    response = api.patch(url, json={"end_user": {"admin": {"pin_passcode": None}}})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["end_user"]["admin"]["pin_passcode"] is None
    assert data["end_user"]["admin"]["entity_name"] == "Acme Widgets Inc."
    assert data["end_user"]["location"] == END_USER["location"] | {"extended_address": None}
    assert data["customer_group_reference"] == "g1"


def test_patch_with_a_bad_billing_number_answers_the_quickstart_error(api: TestClient) -> None:
    """An invalid BTN gives exactly the quick-start's 422 body."""
    [order] = create(api, SLOW_NUMBERS)
    response = api.patch(
        f"/porting_orders/{order['id']}",
        json={"end_user": {"admin": {"billing_phone_number": "+1 555"}}},
    )
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "code": "10015",
                "title": "Bad Request",
                "detail": "The 'billing_phone_number' parameter is invalid.",
                "source": {"pointer": "/end_user/admin/billing_phone_number"},
                "meta": {
                    "url": "https://developers.telnyx.com/docs/overview/errors/10015",
                    "retryable": False,
                },
            }
        ]
    }


def test_patch_reports_every_invalid_field_and_applies_nothing(api: TestClient) -> None:
    """Several bad fields give one error each, and the valid ones are not applied either."""
    [order] = create(api, SLOW_NUMBERS)
    response = api.patch(
        f"/porting_orders/{order['id']}",
        json={
            "customer_reference": "changed",
            "misc": {"type": "sideways", "remaining_numbers_action": "keep"},
            "documents": {"loa": "5a4f9f8e-0000-4000-8000-000000000000"},
            "activation_settings": {"foc_datetime_requested": "2026-03-06T14:00:00Z"},
            "webhook_url": "not a url",
        },
    )
    assert response.status_code == 422
    pointers = [e["source"]["pointer"] for e in response.json()["errors"]]
    assert sorted(pointers) == sorted(
        [
            "/webhook_url",
            "/activation_settings/foc_datetime_requested",
            "/documents/loa",
            "/misc/type",
            "/misc/new_billing_phone_number",
        ]
    )
    foc_error = next(e for e in response.json()["errors"] if "foc" in e["source"]["pointer"])
    assert foc_error["code"] == "80018"
    current = api.get(f"/porting_orders/{order['id']}").json()["data"]
    assert current["customer_reference"] == "ref-1"


def test_delete_removes_drafts_only(api: TestClient) -> None:
    """A draft is deleted (204, gone); a submitted order is a 422."""
    [draft] = create(api, SLOW_NUMBERS)
    assert api.delete(f"/porting_orders/{draft['id']}").status_code == 204
    assert api.get(f"/porting_orders/{draft['id']}").status_code == 404
    [order] = create(api, SLOW_NUMBERS)  # the numbers are free again
    complete(api, order["id"])
    assert api.post(f"/porting_orders/{order['id']}/actions/confirm").status_code == 200
    response = api.delete(f"/porting_orders/{order['id']}")
    assert response.status_code == 422


def test_confirm_lists_every_missing_item(api: TestClient) -> None:
    """Confirming an empty draft lists admin fields, address, LOA, invoice and FOC."""
    [order] = create(api, SLOW_NUMBERS)
    response = api.post(f"/porting_orders/{order['id']}/actions/confirm")
    assert response.status_code == 422
    pointers = [e["source"]["pointer"] for e in response.json()["errors"]]
    assert pointers == [
        "/end_user/admin/entity_name",
        "/end_user/admin/auth_person_name",
        "/end_user/admin/billing_phone_number",
        "/end_user/location/street_address",
        "/end_user/location/locality",
        "/end_user/location/administrative_area",
        "/end_user/location/postal_code",
        "/end_user/location/country_code",
        "/documents/loa",
        "/documents/invoice",
        "/activation_settings/foc_datetime_requested",
    ]


def test_confirm_moves_a_complete_draft_to_in_process(api: TestClient) -> None:
    """A complete draft goes to in-process and gets its support keys."""
    [order] = create(api, SLOW_NUMBERS)
    complete(api, order["id"])
    response = api.post(f"/porting_orders/{order['id']}/actions/confirm")
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"]["value"] == "in-process"
    assert data["support_key"].startswith("sr_")
    assert data["requirements_met"] is True


def test_foc_windows_skip_weekends_and_start_after_the_lead_time(api: TestClient) -> None:
    """From Thu 5 Mar 2026: 7 business days for normal orders, 2 for FastPort, 13-22 UTC."""
    [slow, fast] = create(api, [SLOW_NUMBERS[0], FAST_NUMBERS[0]])
    slow_windows = api.get(f"/porting_orders/{slow['id']}/allowed_foc_windows").json()["data"]
    fast_windows = api.get(f"/porting_orders/{fast['id']}/allowed_foc_windows").json()["data"]
    assert slow_windows[0] == {
        "started_at": "2026-03-16T13:00:00.000Z",
        "ended_at": "2026-03-16T22:00:00.000Z",
        "record_type": "allowed_foc_window",
    }
    assert fast_windows[0]["started_at"] == "2026-03-09T13:00:00.000Z"
    assert len(slow_windows) == 20
    assert first_window(api, slow["id"]) == "2026-03-16T14:00:00.000Z"


def test_patch_refuses_unknown_and_denied_documents_everywhere(api: TestClient) -> None:
    """Unknown ids in documents and requirements, and infected uploads, are each a 422."""
    [order] = create(api, SLOW_NUMBERS)
    infected = api.post(
        "/documents",
        files={
            "file": ("v.pdf", b"%PDF-1.4 EICAR-STANDARD-ANTIVIRUS-TEST-FILE", "application/pdf")
        },
    ).json()["data"]
    assert (infected["status"], infected["av_scan_status"]) == ("denied", "infected")
    response = api.patch(
        f"/porting_orders/{order['id']}",
        json={
            "documents": {"invoice": infected["id"]},
            "requirements": [
                {
                    "requirement_type_id": LOA_TYPE,
                    "field_value": "00000000-0000-4000-8000-00000000000f",
                }
            ],
        },
    )
    assert response.status_code == 422
    pointers = [e["source"]["pointer"] for e in response.json()["errors"]]
    assert pointers == ["/documents/invoice", "/requirements/0/field_value"]
