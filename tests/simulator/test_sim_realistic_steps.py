"""Requirements, GB associated numbers, messaging and on-demand activation (issue 15 items 3, 4
and 7: rules R17-R20), driven through httpx.ASGITransport and the admin clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from porting_batch.simulator.clock import parse_iso
from porting_batch.simulator.requirements import (
    INVOICE,
    LINE_TYPE,
    LOA,
    PAC,
    PROOF_OF_ADDRESS,
    UNDERLYING_CARRIER,
)

from .test_sim_realistic import (
    ADMIN,
    PIN_NUMBER,
    advance,
    end_user_for,
    order_of,
    ready_order,
    simulator,
)

pytestmark = pytest.mark.anyio

QUIET: dict[str, Any] = {"random_rejection_rate": 0.0, "ops_split_rate": 0.0}
GB_MOBILE = "+447400123456"
GB_LANDLINE = "+442079460123"
US_NUMBER = "+13125550155"


async def gb_order(api: httpx.AsyncClient, number: str) -> str:
    """A GB order with end user, documents and FOC in place."""
    end_user = end_user_for(number)
    end_user["location"]["country_code"] = "GB"
    end_user["location"]["administrative_area"] = (
        end_user["location"].get("administrative_area") or "London"
    )
    return await ready_order(api, number, end_user)


async def confirm_errors(api: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
    """The errors of a refused confirm."""
    response = await api.post(f"/porting_orders/{order_id}/actions/confirm")
    assert response.status_code == 422, response.text
    errors: list[dict[str, Any]] = response.json()["errors"]
    return errors


async def patch(api: httpx.AsyncClient, order_id: str, body: dict[str, Any]) -> httpx.Response:
    """PATCH an order."""
    return await api.patch(f"/porting_orders/{order_id}", json=body)


def pointers(response: httpx.Response) -> list[str]:
    """The source pointers of a 422."""
    assert response.status_code == 422, response.text
    return [item["source"]["pointer"] for item in response.json()["errors"]]


# ---- R17 requirements --------------------------------------------------------------------------


async def test_requirement_types_catalog_filters_by_name_and_reads_by_id() -> None:
    """The catalog lists the types; name contains filters it; an unknown id is a 404."""
    async with simulator() as api:
        listed = await api.get("/requirement_types", params={"filter[name][contains]": "INVOICE"})
        assert [item["id"] for item in listed.json()["data"]] == [INVOICE.id]
        one = await api.get(f"/requirement_types/{PAC.id}")
        assert one.json()["data"]["name"] == "PAC Number"
        missing = await api.get("/requirement_types/00000000-0000-4000-8000-000000000000")
        assert missing.status_code == 404


async def test_requirement_type_not_of_the_order_is_refused_in_every_profile() -> None:
    """A US order has no Proof of Address requirement: naming it is a 422 at its type id."""
    for profile in ("lenient", "realistic"):
        async with simulator(profile=profile) as api:
            created = await api.post("/porting_orders", json={"phone_numbers": [US_NUMBER]})
            order_id = created.json()["data"][0]["id"]
            body = {
                "requirements": [{"requirement_type_id": PROOF_OF_ADDRESS.id, "field_value": "x"}]
            }
            response = await patch(api, order_id, body)
            assert pointers(response) == ["/requirements/0/requirement_type_id"]


async def test_realistic_gb_mobile_order_needs_a_pac_before_confirm() -> None:
    """A GB mobile order lists the PAC; confirm names it until a valid PAC is PATCHed."""
    async with simulator(profile="realistic", **QUIET) as api:
        order_id = await gb_order(api, GB_MOBILE)
        order = await order_of(api, order_id)
        assert order["requirements"] == [
            {"requirement_type_id": PAC.id, "field_value": "", "record_type": "porting_requirement"}
        ]
        assert order["requirements_met"] is False
        listed = (await api.get(f"/porting_orders/{order_id}/requirements")).json()["data"]
        assert [item["requirement_type"]["id"] for item in listed] == [LOA.id, INVOICE.id, PAC.id]
        errors = await confirm_errors(api, order_id)
        assert [(e["source"]["pointer"], PAC.name in e["detail"]) for e in errors] == [
            ("/requirements", True)
        ]
        bad = {"requirements": [{"requirement_type_id": PAC.id, "field_value": "abc"}]}
        assert pointers(await patch(api, order_id, bad)) == ["/requirements/0/field_value"]
        good = {"requirements": [{"requirement_type_id": PAC.id, "field_value": "ABC123456"}]}
        assert (await patch(api, order_id, good)).json()["data"]["requirements_met"] is True
        confirmed = await api.post(f"/porting_orders/{order_id}/actions/confirm")
        assert confirmed.status_code == 200, confirmed.text


async def test_lenient_gb_order_needs_only_loa_and_invoice() -> None:
    """The lenient profile asks a GB mobile order for nothing beyond the LOA and invoice."""
    async with simulator(profile="lenient", **QUIET) as api:
        order_id = await gb_order(api, GB_MOBILE)
        assert (await order_of(api, order_id))["requirements"] == []
        confirmed = await api.post(f"/porting_orders/{order_id}/actions/confirm")
        assert confirmed.status_code == 200, confirmed.text


# ---- R18 GB associated numbers ------------------------------------------------------------------

KEEP = {
    "action": "keep",
    "phone_number_range": {"start_at": "+442079460200", "end_at": "+442079460209"},
}


async def test_gb_partial_port_shows_the_associated_numbers_step_until_a_range_is_given() -> None:
    """additional_steps names the step for a GB geographic partial port, and clears with a range."""
    async with simulator() as api:
        created = await api.post("/porting_orders", json={"phone_numbers": [GB_LANDLINE]})
        order_id = created.json()["data"][0]["id"]
        assert (await order_of(api, order_id))["additional_steps"] == []
        partial = await patch(api, order_id, {"misc": {"type": "partial"}})
        assert partial.json()["data"]["additional_steps"] == ["associated_phone_numbers"]
        url = f"/porting_orders/{order_id}/associated_phone_numbers"
        made = await api.post(url, json=KEEP)
        assert made.status_code == 201, made.text
        assert made.json()["data"]["country_code"] == "GB"
        assert (await order_of(api, order_id))["additional_steps"] == []
        gone = await api.delete(f"{url}/{made.json()['data']['id']}")
        assert gone.status_code == 200
        assert (await order_of(api, order_id))["additional_steps"] == ["associated_phone_numbers"]


async def test_associated_range_holding_a_ported_number_is_refused() -> None:
    """A range that holds one of the order's own numbers is a 422: those numbers port."""
    async with simulator() as api:
        created = await api.post("/porting_orders", json={"phone_numbers": [GB_LANDLINE]})
        order_id = created.json()["data"][0]["id"]
        body = {
            "action": "disconnect",
            "phone_number_range": {"start_at": "+442079460100", "end_at": "+442079460199"},
        }
        response = await api.post(f"/porting_orders/{order_id}/associated_phone_numbers", json=body)
        assert pointers(response) == ["/phone_number_range"]


async def test_realistic_confirm_refuses_an_open_additional_step_and_btn_forbids_keep() -> None:
    """Realistic: confirm names the open step; with the BTN porting, ranges can only disconnect."""
    async with simulator(profile="realistic", **QUIET) as api:
        order_id = await gb_order(api, GB_LANDLINE)
        values = {"field_value": "BT"}
        reqs = [
            {"requirement_type_id": UNDERLYING_CARRIER.id, **values},
            {
                "requirement_type_id": LINE_TYPE.id,
                "field_value": "single-line",
            },
        ]
        btn = {"end_user": {"admin": {"billing_phone_number": GB_LANDLINE}}}
        response = await patch(
            api, order_id, {"misc": {"type": "partial"}, "requirements": reqs, **btn}
        )
        assert response.status_code == 200, response.text
        errors = await confirm_errors(api, order_id)
        assert [e["source"]["pointer"] for e in errors] == ["/additional_steps"]
        url = f"/porting_orders/{order_id}/associated_phone_numbers"
        assert pointers(await api.post(url, json=KEEP)) == ["/action"]
        made = await api.post(url, json=KEEP | {"action": "disconnect"})
        assert made.status_code == 201, made.text
        confirmed = await api.post(f"/porting_orders/{order_id}/actions/confirm")
        assert confirmed.status_code == 200, confirmed.text


# ---- R20 messaging ------------------------------------------------------------------------------


async def test_realistic_messaging_needs_a_profile_and_an_allowed_status() -> None:
    """Realistic: enabling messaging needs a messaging profile and a draft/in-process/exception."""
    enable = {"messaging": {"enable_messaging": True}}
    profile = {"phone_number_configuration": {"messaging_profile_id": "mp-1"}}
    async with simulator(profile="realistic", **QUIET) as api:
        order_id = await ready_order(api, US_NUMBER, end_user_for(US_NUMBER))
        no_profile = await patch(api, order_id, enable)
        assert pointers(no_profile) == ["/phone_number_configuration/messaging_profile_id"]
        other_id = await ready_order(api, "+13125550156", end_user_for("+13125550156"))
        await api.post(f"/porting_orders/{other_id}/actions/confirm")
        await advance(api, hours=2)
        assert (await order_of(api, other_id))["status"]["value"] == "submitted"
        late = await patch(api, other_id, enable | profile)
        assert pointers(late) == ["/messaging/enable_messaging"]
        both = await patch(api, order_id, enable | profile)
        assert both.json()["data"]["messaging"]["messaging_port_status"] == "pending"
    async with simulator(profile="lenient") as api:
        created = await api.post("/porting_orders", json={"phone_numbers": [US_NUMBER]})
        lenient = await patch(api, created.json()["data"][0]["id"], enable)
        assert lenient.status_code == 200, lenient.text


# ---- R19 on-demand activation -------------------------------------------------------------------


async def until_confirmed(api: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    """Advance an hour at a time until the order's FOC is confirmed."""
    for _ in range(120):
        order = await order_of(api, order_id)
        if order["status"]["value"] == "foc-date-confirmed":
            return order
        await advance(api, hours=1)
    raise AssertionError(f"still {order['status']['value']}")


async def now_of(api: httpx.AsyncClient) -> datetime:
    """Simulated now, from the admin clock."""
    return parse_iso((await api.get(f"{ADMIN}/clock")).json()["now"])


async def jobs_of(api: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
    """The order's activation jobs."""
    found: list[dict[str, Any]] = (
        await api.get(f"/porting_orders/{order_id}/activation_jobs")
    ).json()["data"]
    return found


async def on_demand_order(api: httpx.AsyncClient) -> str:
    """A confirmed FastPort order opted in to on-demand activation."""
    order_id = await ready_order(api, PIN_NUMBER, end_user_for(PIN_NUMBER))
    opted = await patch(api, order_id, {"activation_settings": {"activation_type": "on-demand"}})
    assert opted.json()["data"]["activation_settings"]["activation_type"] == "on-demand"
    await api.post(f"/porting_orders/{order_id}/actions/confirm")
    return order_id


async def test_activation_type_is_opt_in_for_fastport_orders_only() -> None:
    """Realistic: orders start scheduled, on-demand only on FastPort; lenient refuses the field."""
    on_demand = {"activation_settings": {"activation_type": "on-demand"}}
    async with simulator(profile="realistic", **QUIET) as api:
        created = await api.post("/porting_orders", json={"phone_numbers": [US_NUMBER]})
        order = created.json()["data"][0]
        assert order["activation_settings"]["activation_type"] == "scheduled"
        assert pointers(await patch(api, order["id"], on_demand)) == [
            "/activation_settings/activation_type"
        ]
    async with simulator(profile="lenient") as api:
        created = await api.post("/porting_orders", json={"phone_numbers": [PIN_NUMBER]})
        response = await patch(api, created.json()["data"][0]["id"], on_demand)
        assert pointers(response) == ["/activation_settings/activation_type"]


async def test_on_demand_activation_runs_in_the_us_central_window_and_completes_later() -> None:
    """The job's window is 6 AM-8 PM Central on the FOC date; activation completes 5 minutes on."""
    async with simulator(profile="realistic", **QUIET) as api:
        order_id = await on_demand_order(api)
        order = await until_confirmed(api, order_id)
        [job] = await jobs_of(api, order_id)
        window = job["activation_windows"][0]
        opens, closes = parse_iso(window["start_at"]), parse_iso(window["end_at"])
        foc = parse_iso(order["activation_settings"]["foc_datetime_actual"])
        # March 2026 after the 8th is CDT (UTC-5): 06:00 and 20:00 Central are 11:00 and 01:00 UTC.
        assert (opens.hour, closes.hour, (closes - opens).total_seconds()) == (11, 1, 14 * 3600)
        assert opens.date() == foc.date() and job["activate_at"] == window["end_at"]
        early = await api.post(f"/porting_orders/{order_id}/actions/activate")
        assert early.status_code == 422
        await advance(api, seconds=(opens - await now_of(api)).total_seconds() + 60)
        started = await api.post(f"/porting_orders/{order_id}/actions/activate")
        assert started.status_code == 202, started.text
        assert started.json()["data"]["status"] == "in-process"
        await advance(api, minutes=4)
        assert (await order_of(api, order_id))["status"]["value"] == "foc-date-confirmed"
        await advance(api, minutes=2)
        assert (await order_of(api, order_id))["status"]["value"] == "ported"
        assert [j["status"] for j in await jobs_of(api, order_id)] == ["completed"]


async def test_on_demand_order_nobody_activates_ports_at_the_window_end() -> None:
    """Without actions/activate the order ports at the end of its window, not at the FOC."""
    async with simulator(profile="realistic", **QUIET) as api:
        order_id = await on_demand_order(api)
        order = await until_confirmed(api, order_id)
        [job] = await jobs_of(api, order_id)
        closes = parse_iso(job["activation_windows"][0]["end_at"])
        foc = parse_iso(order["activation_settings"]["foc_datetime_actual"])
        await advance(api, seconds=(foc - await now_of(api)).total_seconds() + 60)
        assert (await order_of(api, order_id))["status"]["value"] == "foc-date-confirmed"
        await advance(api, seconds=(closes - foc).total_seconds())
        assert (await order_of(api, order_id))["status"]["value"] == "ported"


async def test_realistic_scheduled_fastport_order_has_no_job_and_refuses_activate() -> None:
    """Realistic: a FastPort order left scheduled gets no job, and actions/activate is a 422."""
    async with simulator(profile="realistic", **QUIET) as api:
        order_id = await ready_order(api, PIN_NUMBER, end_user_for(PIN_NUMBER))
        await api.post(f"/porting_orders/{order_id}/actions/confirm")
        await until_confirmed(api, order_id)
        assert await jobs_of(api, order_id) == []
        refused = await api.post(f"/porting_orders/{order_id}/actions/activate")
        assert refused.status_code == 422
        assert "scheduled" in refused.json()["errors"][0]["detail"]
