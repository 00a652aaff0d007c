"""Simulated time: submission, FOC confirmation, porting, exceptions, cancel, activate, events."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from porting_batch.simulator import create_app

from .conftest import lenient_config, sim_client
from .helpers import END_USER, FAST_NUMBERS, SLOW_NUMBERS, complete, create


@pytest.fixture
def app() -> Any:
    """A lenient simulator: this module pins the lenient lifecycle (rules 13-16: fixed delays,
    exceptions only from scenario accounts, activation at once); the realistic one (R4-R19)
    is tested in test_sim_realistic*."""
    return create_app(lenient_config())


def _status(api: TestClient, order_id: str) -> dict[str, Any]:
    data: dict[str, Any] = api.get(f"/porting_orders/{order_id}").json()["data"]
    return data


def _confirmed(api: TestClient, numbers: list[str]) -> str:
    [order] = create(api, numbers)
    complete(api, order["id"])
    assert api.post(f"/porting_orders/{order['id']}/actions/confirm").status_code == 200
    order_id: str = order["id"]
    return order_id


def test_confirmed_order_walks_to_ported_at_its_foc(api: TestClient, admin: httpx.Client) -> None:
    """in-process -> submitted (1 h) -> foc-date-confirmed (1 day) -> ported at the FOC."""
    order_id = _confirmed(api, SLOW_NUMBERS)
    admin.post("/clock/advance", json={"hours": 2})
    assert _status(api, order_id)["status"]["value"] == "submitted"
    admin.post("/clock/advance", json={"days": 1})
    order = _status(api, order_id)
    assert order["status"]["value"] == "foc-date-confirmed"
    foc = order["activation_settings"]["foc_datetime_requested"]
    assert order["activation_settings"]["foc_datetime_actual"] == foc
    admin.post("/clock/advance", json={"days": 14})
    order = _status(api, order_id)
    assert order["status"]["value"] == "ported"
    assert {n["activation_status"] for n in order["phone_numbers"]} == {"Active"}
    events = api.get("/porting/events", params={"filter[porting_order_id]": order_id}).json()
    statuses = [
        e["payload"]["status"]["value"]
        for e in events["data"]
        if e["event_type"] == "porting_order.status_changed"
    ]
    assert statuses == ["in-process", "submitted", "foc-date-confirmed", "ported"]


def test_ported_numbers_can_be_ordered_again_and_edits_are_refused() -> None:
    """A ported order is final: PATCH and cancel are 422."""
    app = create_app(lenient_config())
    with sim_client(app) as api:
        order_id = _confirmed(api, SLOW_NUMBERS)
        app.state.sim.advance(30 * 86400)
        assert _status(api, order_id)["status"]["value"] == "ported"
        patch = api.patch(f"/porting_orders/{order_id}", json={"customer_reference": "x"})
        assert patch.status_code == 422
        assert api.post(f"/porting_orders/{order_id}/actions/cancel").status_code == 422


def test_csr_mismatch_sends_the_order_to_exception_with_codes() -> None:
    """End-user data differing from the scenario's CSR gives exception with matching codes."""
    scenario = {
        "accounts": [
            {
                "numbers": ["+1312555*"],
                "admin": {"entity_name": "Acme Widgets Inc.", "account_number": "OTHER-9"},
                "location": {"street_address": "1 Elsewhere Rd", "postal_code": "60601"},
            }
        ]
    }
    app = create_app(lenient_config(scenario=scenario))
    with sim_client(app) as api:
        order_id = _confirmed(api, SLOW_NUMBERS)
        app.state.sim.advance(6 * 3600)
        order = _status(api, order_id)
        assert order["status"]["value"] == "exception"
        assert [d["code"] for d in order["status"]["details"]] == [
            "ACCOUNT_NUMBER_MISMATCH",
            "LOCATION_MISMATCH",
        ]
        # Fix the data and resubmit: the order goes round again and ports.
        fixed = {
            "admin": {"account_number": "OTHER-9"},
            "location": {"street_address": "1 Elsewhere Rd"},
        }
        assert api.patch(f"/porting_orders/{order_id}", json={"end_user": fixed}).status_code == 200
        assert api.post(f"/porting_orders/{order_id}/actions/confirm").status_code == 200
        app.state.sim.advance(30 * 86400)
        assert _status(api, order_id)["status"]["value"] == "ported"


def test_cancel_goes_through_cancel_pending_and_frees_the_numbers(
    api: TestClient, admin: httpx.Client
) -> None:
    """Cancel: draft refused; submitted -> cancel-pending -> cancelled; numbers free again."""
    [draft] = create(api, [FAST_NUMBERS[1]])
    assert api.post(f"/porting_orders/{draft['id']}/actions/cancel").status_code == 422
    order_id = _confirmed(api, SLOW_NUMBERS)
    response = api.post(f"/porting_orders/{order_id}/actions/cancel")
    assert response.status_code == 200
    assert response.json()["data"]["status"]["value"] == "cancel-pending"
    admin.post("/clock/advance", json={"hours": 2})
    assert _status(api, order_id)["status"]["value"] == "cancelled"
    assert len(create(api, SLOW_NUMBERS)) == 1


def test_cancel_is_refused_within_48_hours_of_the_foc(api: TestClient) -> None:
    """Close to the FOC, cancel is a 422 telling to contact support."""
    order_id = _confirmed(api, SLOW_NUMBERS)
    foc = _status(api, order_id)["activation_settings"]["foc_datetime_requested"]
    sim = api.app.state.sim  # type: ignore[attr-defined]
    seconds = (
        sim.clock.now().fromisoformat(foc.replace("Z", "+00:00")) - sim.now()
    ).total_seconds()
    sim.advance(seconds - 24 * 3600)
    response = api.post(f"/porting_orders/{order_id}/actions/cancel")
    assert response.status_code == 422
    assert "48 hours" in response.json()["errors"][0]["detail"]


def test_fastport_activation_ports_inside_the_window(api: TestClient) -> None:
    """A FastPort order at foc-date-confirmed activates on demand on its FOC day (202 job)."""
    order_id = _confirmed(api, FAST_NUMBERS)
    sim = api.app.state.sim  # type: ignore[attr-defined]
    early = api.post(f"/porting_orders/{order_id}/actions/activate")
    assert early.status_code == 422  # still in-process
    sim.advance(2 * 3600)
    sim.advance(24 * 3600)
    assert _status(api, order_id)["status"]["value"] == "foc-date-confirmed"
    jobs = api.get(f"/porting_orders/{order_id}/activation_jobs").json()["data"]
    window_start = jobs[0]["activation_windows"][0]["start_at"]
    start = sim.now().fromisoformat(window_start.replace("Z", "+00:00"))
    sim.advance((start - sim.now()).total_seconds() + 60)
    response = api.post(f"/porting_orders/{order_id}/actions/activate")
    assert response.status_code == 202
    assert response.json()["data"]["activation_type"] == "on-demand"
    assert _status(api, order_id)["status"]["value"] == "ported"
    job = api.get(f"/porting_orders/{order_id}/activation_jobs/{jobs[0]['id']}").json()["data"]
    assert job["status"] == "completed"


def test_activation_is_refused_for_orders_without_fastport(api: TestClient) -> None:
    """actions/activate on a non-FastPort order is a 422."""
    order_id = _confirmed(api, SLOW_NUMBERS)
    assert api.post(f"/porting_orders/{order_id}/actions/activate").status_code == 422


def test_events_filter_by_type_and_retrieve_by_id(api: TestClient) -> None:
    """/porting/events filters by type (both array forms) and /porting/events/{id} reads one."""
    [order] = create(api, SLOW_NUMBERS)
    api.post(f"/porting_orders/{order['id']}/comments", json={"body": "hello"})
    api.patch(f"/porting_orders/{order['id']}", json={"end_user": END_USER})
    api.delete(f"/porting_orders/{order['id']}")
    comma = api.get(
        "/porting/events",
        params={"filter[type]": "porting_order.new_comment,porting_order.deleted"},
    ).json()["data"]
    repeated = api.get(
        "/porting/events",
        params=[
            ("filter[type][]", "porting_order.new_comment"),
            ("filter[type][]", "porting_order.deleted"),
        ],
    ).json()["data"]
    assert [e["event_type"] for e in comma] == [
        "porting_order.new_comment",
        "porting_order.deleted",
    ]
    assert repeated == comma
    one = api.get(f"/porting/events/{comma[0]['id']}")
    assert one.status_code == 200
    assert one.json()["data"]["payload"]["comment"]["body"] == "hello"
    assert api.get("/porting/events/00000000-0000-4000-8000-000000000000").status_code == 404


def test_a_new_foc_after_confirmation_goes_back_for_reconfirmation(api: TestClient) -> None:
    """PATCHing the FOC at foc-date-confirmed returns to submitted, then confirms the new date."""
    order_id = _confirmed(api, SLOW_NUMBERS)
    sim = api.app.state.sim  # type: ignore[attr-defined]
    sim.advance(26 * 3600)
    assert _status(api, order_id)["status"]["value"] == "foc-date-confirmed"
    windows = api.get(f"/porting_orders/{order_id}/allowed_foc_windows").json()["data"]
    new_foc = windows[3]["started_at"].replace("T13:00", "T15:00")
    patched = api.patch(
        f"/porting_orders/{order_id}",
        json={"activation_settings": {"foc_datetime_requested": new_foc}},
    ).json()["data"]
    assert patched["status"]["value"] == "submitted"
    assert patched["activation_settings"]["foc_datetime_actual"] is None
    sim.advance(25 * 3600)
    order = _status(api, order_id)
    assert order["status"]["value"] == "foc-date-confirmed"
    assert order["activation_settings"]["foc_datetime_actual"] == new_foc


def test_admin_can_force_a_status_with_exception_codes(api: TestClient) -> None:
    """POST /_simulator/porting_orders/{id}/status sets a status and its details; typos are 422."""
    [order] = create(api, SLOW_NUMBERS)
    url = f"http://sim.test/_simulator/porting_orders/{order['id']}/status"
    forced = api.post(url, json={"value": "exception", "details": ["FOC_REJECTED"]})
    assert forced.status_code == 200
    status = _status(api, order["id"])["status"]
    assert status["value"] == "exception"
    assert [d["code"] for d in status["details"]] == ["FOC_REJECTED"]
    assert api.post(url, json={"value": "exploded"}).status_code == 422
    assert api.post(url, content=b"{not json").status_code == 422
