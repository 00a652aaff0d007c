"""The realistic profile (issue 15 items 1, 2, 5): carrier records, rejections, limits; plus the
routing fixes every profile gets. Driven through httpx.ASGITransport and the admin clock."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from porting_batch.simulator import create_app
from porting_batch.simulator.carriers import fold, record_for
from porting_batch.simulator.clock import parse_iso
from porting_batch.simulator.scenario import ScenarioError, load_scenario
from porting_batch.simulator.server import build_parser
from porting_batch.validation.fields import check_address

from .conftest import frozen_config
from .helpers import PDF

pytestmark = pytest.mark.anyio

# Bluegrass Telco (not FastPort): wants the account number, not the PIN.
NUMBER = "+13125550155"
# Prairie Bell Telephone: wants the account number and the PIN.
PIN_NUMBER = "+13125600155"
ADMIN = "http://sim.test/_simulator"


@contextlib.asynccontextmanager
async def simulator(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client on a fresh in-process simulator (``/v2`` base; admin by absolute URL)."""
    app = create_app(frozen_config(**overrides))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://sim.test/v2",
        headers={"Authorization": "Bearer KEYSIMULATOR"},
    ) as client:
        yield client


async def advance(api: httpx.AsyncClient, **amount: float) -> None:
    """Move the simulated clock through the admin route."""
    response = await api.post(f"{ADMIN}/clock/advance", json=amount)
    assert response.status_code == 200, response.text


def end_user_for(number: str, seed: int = 0) -> dict[str, Any]:
    """An end user matching the carrier's record, written the way an operator might."""
    record = record_for(number, seed)
    admin = record.admin()
    admin["entity_name"] = admin["entity_name"].upper().replace("INC.", "Incorporated")
    location = record.location()
    location["street_address"] = re.sub(r" St$", " Street", location["street_address"]) + "."
    return {"admin": admin, "location": location}


async def ready_order(api: httpx.AsyncClient, number: str, end_user: dict[str, Any]) -> str:
    """Create an order, PATCH in everything confirm needs, and return its id."""
    created = await api.post("/porting_orders", json={"phone_numbers": [number]})
    assert created.status_code == 201, created.text
    order_id: str = created.json()["data"][0]["id"]
    await patch_ready(api, order_id, end_user)
    return order_id


async def patch_ready(api: httpx.AsyncClient, order_id: str, end_user: dict[str, Any]) -> None:
    """PATCH the end user, fresh documents and the first allowed FOC into an order."""
    docs = []
    for name in ("loa.pdf", "invoice.pdf"):
        uploaded = await api.post("/documents", files={"file": (name, PDF, "application/pdf")})
        docs.append(uploaded.json()["data"]["id"])
    windows = (await api.get(f"/porting_orders/{order_id}/allowed_foc_windows")).json()["data"]
    body = {
        "end_user": end_user,
        "documents": {"loa": docs[0], "invoice": docs[1]},
        "activation_settings": {"foc_datetime_requested": windows[0]["started_at"]},
    }
    patched = await api.patch(f"/porting_orders/{order_id}", json=body)
    assert patched.status_code == 200, patched.text


async def order_of(api: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    """The order as the API shows it now."""
    data: dict[str, Any] = (await api.get(f"/porting_orders/{order_id}")).json()["data"]
    return data


async def confirm(api: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
    """Confirm an order and return its answer."""
    response = await api.post(f"/porting_orders/{order_id}/actions/confirm")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


# ---- 1. losing-carrier records ---------------------------------------------------------------


def test_record_for_is_deterministic_per_seed_and_shared_by_an_account() -> None:
    """The same number and seed give the same record; a block shares it; a seed changes it."""
    assert record_for(NUMBER, 7) == record_for(NUMBER, 7)
    neighbour = record_for("+13125550199", 7)
    assert neighbour.entity_name == record_for(NUMBER, 7).entity_name
    assert neighbour.billing_phone_number == "+13125550000"
    assert record_for(NUMBER, 8).account_number != record_for(NUMBER, 7).account_number
    assert record_for(NUMBER).carrier_name == "Bluegrass Telco"


def test_fold_forgives_what_a_carrier_forgives() -> None:
    """Case, punctuation, spacing, Inc/Incorporated and St/Street compare equal; words do not."""
    assert fold("ACME  Widgets, Inc.") == fold("acme widgets incorporated")
    assert fold("600 Congress Ave.") == fold("600 congress avenue")
    assert fold("12 Oak St") == fold("12 Oak Street")
    assert fold("Acme Widgets") != fold("Acme Gadgets")


async def test_realistic_coverage_names_what_each_carrier_requires() -> None:
    """Coverage lists account_number for every geographic carrier and pin for those wanting it."""
    async with simulator(profile="realistic") as api:
        response = await api.post(
            "/customer_service_records/phone_number_coverages",
            json={"phone_numbers": [NUMBER, PIN_NUMBER]},
        )
    assert response.status_code == 201, response.text
    wanted = {i["phone_number"]: i["additional_data_required"] for i in response.json()["data"]}
    assert wanted == {NUMBER: ["account_number"], PIN_NUMBER: ["account_number", "pin"]}


async def test_realistic_csr_returns_the_carrier_record() -> None:
    """A completed CSR shows the record's entity, person, account, BTN and address."""
    record = record_for(NUMBER, 3)
    async with simulator(profile="realistic", seed=3) as api:
        created = await api.post("/customer_service_records", json={"phone_number": NUMBER})
        assert created.status_code == 201, created.text
        await advance(api, minutes=5)
        got = await api.get(f"/customer_service_records/{created.json()['data']['id']}")
    result = got.json()["data"]["result"]
    assert result["admin"] == {
        "name": record.entity_name,
        "authorized_person_name": record.auth_person_name,
        "account_number": record.account_number,
        "billing_phone_number": record.billing_phone_number,
    }
    assert result["address"]["street_address"] == record.street_address
    assert result["address"]["postal_code"] == record.postal_code
    assert NUMBER in result["associated_phone_numbers"]


# ---- 2. rejections -----------------------------------------------------------------------------


async def test_matching_order_is_not_rejected_despite_forgivable_differences() -> None:
    """Upper case, Incorporated and Street. still match the record: the FOC gets confirmed."""
    async with simulator(profile="realistic", random_rejection_rate=0.0) as api:
        order_id = await ready_order(api, NUMBER, end_user_for(NUMBER))
        await confirm(api, order_id)
        await advance(api, days=2)
        order = await order_of(api, order_id)
    assert order["status"]["value"] in {"foc-date-confirmed", "ported"}, order["status"]


async def test_mismatch_goes_to_exception_with_codes_then_a_fix_resubmits() -> None:
    """Wrong entity, postal code and PIN: exception 4-48 h after submission with each code;
    PATCH the right data and confirm, and the order is back in-process and then passes."""
    async with simulator(profile="realistic", random_rejection_rate=0.0) as api:
        wrong = end_user_for(PIN_NUMBER)
        wrong["admin"]["entity_name"] = "Somebody Else LLC"
        wrong["admin"]["pin_passcode"] = str(int(wrong["admin"]["pin_passcode"]) + 1)
        wrong["location"]["postal_code"] = "99999"
        order_id = await ready_order(api, PIN_NUMBER, wrong)
        await confirm(api, order_id)
        submitted_at = parse_iso((await api.get(f"{ADMIN}/clock")).json()["now"])
        await advance(api, hours=4)
        assert (await order_of(api, order_id))["status"]["value"] == "submitted"
        await advance(api, hours=48)
        order = await order_of(api, order_id)
        assert order["status"]["value"] == "exception"
        codes = {detail["code"] for detail in order["status"]["details"]}
        assert codes == {"ENTITY_NAME_MISMATCH", "PASSCODE_PIN_INVALID", "POSTAL_CODE_MISMATCH"}
        rejected_at = parse_iso(order["updated_at"])
        assert timedelta(hours=5) <= rejected_at - submitted_at <= timedelta(hours=49)

        await patch_ready(api, order_id, end_user_for(PIN_NUMBER))
        resubmitted = await confirm(api, order_id)
        assert resubmitted["status"]["value"] == "in-process"
        await advance(api, days=3)
        order = await order_of(api, order_id)
    assert order["status"]["value"] in {"foc-date-confirmed", "ported"}, order["status"]


async def _random_verdict(seed: int, rate: float) -> dict[str, Any]:
    async with simulator(profile="realistic", seed=seed, random_rejection_rate=rate) as api:
        order_id = await ready_order(api, NUMBER, end_user_for(NUMBER, seed))
        await confirm(api, order_id)
        await advance(api, days=3)
        return (await order_of(api, order_id))["status"]


async def test_random_rejection_rate_rejects_good_data_deterministically() -> None:
    """At rate 1 a matching order is rejected with a code its data cannot explain, the same
    code for the same seed; at rate 0 it passes."""
    first = await _random_verdict(5, 1.0)
    assert first["value"] == "exception"
    [detail] = first["details"]
    assert detail["code"] in {
        "FOC_REJECTED",
        "LSR_PENDING",
        "OSP_IRRESPONSIVE",
        "OTHER",
        "PHONE_NUMBER_HAS_SPECIAL_FEATURE",
    }
    assert (await _random_verdict(5, 1.0)) == first
    assert (await _random_verdict(5, 0.0))["value"] != "exception"


async def test_lenient_profile_ignores_carrier_records() -> None:
    """In the lenient profile, an order that matches no record still gets its FOC."""
    async with simulator(profile="lenient") as api:
        order_id = await ready_order(
            api,
            NUMBER,
            {
                "admin": {
                    "entity_name": "Nobody Inc.",
                    "auth_person_name": "No One",
                    "billing_phone_number": NUMBER,
                },
                "location": {
                    "street_address": "1 Nowhere Rd",
                    "locality": "Nowhere",
                    "administrative_area": "IL",
                    "postal_code": "60000",
                    "country_code": "US",
                },
            },
        )
        await confirm(api, order_id)
        await advance(api, days=2)
        order = await order_of(api, order_id)
    assert order["status"]["value"] in {"foc-date-confirmed", "ported"}


# ---- 5. limits and routing ---------------------------------------------------------------------


async def test_realistic_profile_rate_limits_with_x_ratelimit_headers() -> None:
    """Realistic answers carry x-ratelimit-limit/remaining/reset; a burst meets a 429 10011."""
    async with simulator(profile="realistic") as api:
        first = await api.get("/porting_orders")
        assert first.headers["x-ratelimit-limit"] == "40"
        assert {"x-ratelimit-remaining", "x-ratelimit-reset"} <= set(first.headers)
        statuses = [(await api.get("/porting_orders")).status_code for _ in range(60)]
        limited = await api.get("/porting_orders")
        while limited.status_code != 429:  # bounded: the bucket refills at 20/s at most
            statuses.append(limited.status_code)
            assert len(statuses) < 1000
            limited = await api.get("/porting_orders")
    assert limited.json()["errors"][0]["code"] == "10011"
    assert "retry-after" in limited.headers


async def test_lenient_profile_has_no_rate_limit() -> None:
    """Lenient answers carry no rate-limit headers."""
    async with simulator(profile="lenient") as api:
        response = await api.get("/porting_orders")
    assert response.status_code == 200
    assert "x-ratelimit-limit" not in response.headers


async def test_realistic_invalid_filter_value_and_name_answer_422() -> None:
    """A bad filter value is 10031 and an unknown filter 10032, naming the parameter."""
    async with simulator(profile="realistic") as api:
        bad_value = await api.get("/porting_orders", params={"filter[status]": "finished"})
        bad_name = await api.get("/porting_orders", params={"filter[colour]": "red"})
        bad_number = await api.get(
            "/porting_phone_numbers", params={"filter[porting_order_status]": "nope"}
        )
        good = await api.get("/porting_orders", params={"filter[status]": "draft,exception"})
    assert bad_value.status_code == 422
    [value_error] = bad_value.json()["errors"]
    assert value_error["code"] == "10031"
    assert value_error["source"] == {"parameter": "filter[status]"}
    assert bad_name.status_code == 422 and bad_name.json()["errors"][0]["code"] == "10032"
    assert bad_number.status_code == 422 and bad_number.json()["errors"][0]["code"] == "10031"
    assert good.status_code == 200


async def test_lenient_profile_keeps_ignoring_bad_filters() -> None:
    """Lenient keeps today's answer: an empty 200 for a status nothing has."""
    async with simulator(profile="lenient") as api:
        response = await api.get("/porting_orders", params={"filter[status]": "finished"})
    assert response.status_code == 200 and response.json()["data"] == []


async def test_every_error_carries_meta_url() -> None:
    """401, 404, 405 and 422 errors each name their catalog page in meta.url."""
    async with simulator() as api:
        answers = [
            await api.get("/porting_orders", headers={"Authorization": "Bearer wrong"}),
            await api.get("/porting_orders/00000000-0000-4000-8000-000000000000"),
            await api.delete("/porting_orders"),
            await api.post("/porting_orders", json={"phone_numbers": []}),
        ]
    for answer in answers:
        assert answer.status_code >= 400
        for item in answer.json()["errors"]:
            assert item["meta"]["url"] == (
                f"https://developers.telnyx.com/docs/overview/errors/{item['code']}"
            )


async def test_phone_number_configurations_is_its_own_operation() -> None:
    """GET /porting_orders/phone_number_configurations lists, not 'porting order not found'."""
    async with simulator() as api:
        response = await api.get("/porting_orders/phone_number_configurations")
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []
    assert response.json()["meta"]["total_results"] == 0


async def test_unserved_method_on_a_known_path_is_method_not_allowed() -> None:
    """DELETE /porting_orders is 405 with an Allow header; an unknown path stays a 404."""
    async with simulator() as api:
        wrong_method = await api.delete("/porting_orders")
        unknown = await api.get("/porting_orders/x/nothing_here")
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, POST"
    assert wrong_method.json()["errors"][0]["title"] == "Method not allowed"
    assert unknown.status_code == 404


# ---- the switch ----------------------------------------------------------------------------------


def test_profile_comes_from_config_then_scenario_then_realistic() -> None:
    """The config's profile wins, else the scenario's key, else realistic; bad names refused."""
    scenario = {"profile": "realistic"}
    assert create_app(frozen_config(scenario=scenario)).state.sim.realistic
    assert not create_app(frozen_config(scenario=scenario, profile="lenient")).state.sim.realistic
    assert create_app(frozen_config()).state.sim.realistic
    lenient_scenario = {"profile": "lenient"}
    assert not create_app(frozen_config(scenario=lenient_scenario)).state.sim.realistic
    with pytest.raises(ScenarioError, match="profile 'harsh'"):
        load_scenario({"profile": "harsh"})


def test_command_line_takes_profile_and_rejection_rate() -> None:
    """--profile and --random-rejection-rate reach the parser; unknown profiles are refused."""
    args = build_parser().parse_args(["--profile", "realistic", "--random-rejection-rate", "0.1"])
    assert (args.profile, args.random_rejection_rate) == ("realistic", 0.1)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--profile", "harsh"])


@pytest.mark.parametrize(
    "number", ["+14162150100", "+16045550100", "+15145550133", "+14165550199", "+13125550101"]
)
def test_a_carrier_record_holds_an_address_the_sheet_can_be_corrected_to(number: str) -> None:
    """A record's service address passes the sheet's own address check for its country (a
    Canadian number's carrier keeps a Canadian address), so a rejection can be fixed."""
    record = record_for(number, 3)
    location = record.location()
    country = location["country_code"]
    _, problems = check_address(country, location["administrative_area"], location["postal_code"])
    assert problems == [], (number, location)
    assert country == ("CA" if number[2:5] in {"416", "604", "514"} else "US")
