"""The realistic profile's time rules and ops splits (issue 15 items 4 and 6), driven through
httpx.ASGITransport and the admin clock; the lenient profile keeps none of them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from porting_batch.simulator import realism
from porting_batch.simulator.calendar import is_business_day
from porting_batch.simulator.clock import parse_iso

from .helpers import PDF
from .test_sim_realistic import (
    NUMBER,
    PIN_NUMBER,
    advance,
    confirm,
    end_user_for,
    order_of,
    patch_ready,
    ready_order,
    simulator,
)

pytestmark = pytest.mark.anyio

QUIET: dict[str, Any] = {"random_rejection_rate": 0.0, "ops_split_rate": 0.0}


async def upload(api: httpx.AsyncClient, name: str = "loa.pdf") -> str:
    """Upload a PDF and return its document id."""
    response = await api.post("/documents", files={"file": (name, PDF, "application/pdf")})
    assert response.status_code == 200, response.text
    doc_id: str = response.json()["data"]["id"]
    return doc_id


async def events(api: httpx.AsyncClient, order_id: str, kind: str) -> list[dict[str, Any]]:
    """The order's porting events of one type."""
    response = await api.get(
        "/porting/events", params={"filter[porting_order_id]": order_id, "filter[type]": kind}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["data"]
    return found


async def test_unlinked_document_is_deleted_30_minutes_after_upload() -> None:
    """An upload no order uses is gone after 30 minutes; one linked to an order stays."""
    async with simulator(profile="realistic", **QUIET) as api:
        loose = await upload(api)
        linked = await upload(api, "invoice.pdf")
        created = await api.post("/porting_orders", json={"phone_numbers": [NUMBER]})
        order_id = created.json()["data"][0]["id"]
        patched = await api.patch(
            f"/porting_orders/{order_id}", json={"documents": {"invoice": linked}}
        )
        assert patched.status_code == 200, patched.text
        await advance(api, minutes=29)
        assert (await api.get(f"/documents/{loose}")).status_code == 200
        await advance(api, minutes=2)
        assert (await api.get(f"/documents/{loose}")).status_code == 404
        assert (await api.get(f"/documents/{linked}")).status_code == 200


async def test_draft_is_deleted_after_30_days_with_a_deleted_event() -> None:
    """A draft never submitted is deleted after 30 days and emits porting_order.deleted."""
    async with simulator(profile="realistic", **QUIET) as api:
        created = await api.post("/porting_orders", json={"phone_numbers": [NUMBER]})
        order_id = created.json()["data"][0]["id"]
        await advance(api, days=29)
        assert (await api.get(f"/porting_orders/{order_id}")).status_code == 200
        await advance(api, days=2)
        assert (await api.get(f"/porting_orders/{order_id}")).status_code == 404
        assert len(await events(api, order_id, "porting_order.deleted")) == 1


async def test_submitted_orders_are_not_deleted_as_stale_drafts() -> None:
    """The 30-day rule is for drafts only: a confirmed order outlives it."""
    async with simulator(profile="realistic", **QUIET) as api:
        order_id = await ready_order(api, NUMBER, end_user_for(NUMBER))
        await confirm(api, order_id)
        await advance(api, days=31)
        assert (await api.get(f"/porting_orders/{order_id}")).status_code == 200


def test_next_business_moment_waits_for_the_carriers_opening() -> None:
    """Friday evening in Chicago waits for Monday 09:00 there; inside hours nothing moves."""
    chicago = ZoneInfo("America/Chicago")
    friday_evening = datetime(2026, 3, 6, 18, 30, tzinfo=chicago).astimezone(UTC)
    opening = realism.next_business_moment(friday_evening, chicago)
    assert opening == datetime(2026, 3, 9, 9, 0, tzinfo=chicago)
    inside = datetime(2026, 3, 9, 10, 0, tzinfo=chicago).astimezone(UTC)
    assert realism.next_business_moment(inside, chicago) == inside
    # Memorial Day 2026 (25 May) is a US federal holiday: the carrier opens on the Tuesday.
    holiday = datetime(2026, 5, 25, 10, 0, tzinfo=chicago).astimezone(UTC)
    assert realism.next_business_moment(holiday, chicago) == datetime(
        2026, 5, 26, 9, 0, tzinfo=chicago
    )


async def test_status_change_waits_for_business_hours_in_the_carriers_zone() -> None:
    """PIN_NUMBER's carrier sits in Portland (Pacific): submitted at 08:00 local waits to 09:00."""
    async with simulator(profile="realistic", **QUIET) as api:
        order_id = await ready_order(api, PIN_NUMBER, end_user_for(PIN_NUMBER))
        await confirm(api, order_id)  # 2026-03-05T15:00Z = 07:00 PST; submit step due 08:00
        await advance(api, minutes=90)
        assert (await order_of(api, order_id))["status"]["value"] == "in-process"
        await advance(api, minutes=60)
        order = await order_of(api, order_id)
    assert order["status"]["value"] == "submitted"
    assert order["updated_at"] == "2026-03-05T17:00:00.000Z"


async def test_lenient_profile_changes_status_outside_business_hours() -> None:
    """Lenient keeps the fixed one-hour submit step, business hours or not."""
    async with simulator(profile="lenient", **QUIET) as api:
        order_id = await ready_order(api, PIN_NUMBER, end_user_for(PIN_NUMBER))
        await confirm(api, order_id)
        await advance(api, minutes=90)
        assert (await order_of(api, order_id))["status"]["value"] == "submitted"


async def _moved_foc_story() -> tuple[int, dict[str, Any], list[dict[str, Any]], list[Any]]:
    """The first seed whose carrier moves the FOC: the seed, order, its comments, its events."""
    for seed in range(40):
        async with simulator(profile="realistic", seed=seed, **QUIET) as api:
            order_id = await ready_order(api, NUMBER, end_user_for(NUMBER, seed))
            await confirm(api, order_id)
            await advance(api, days=2)
            order = await order_of(api, order_id)
            settings = order["activation_settings"]
            if settings["foc_datetime_actual"] != settings["foc_datetime_requested"]:
                comments = (await api.get(f"/porting_orders/{order_id}/comments")).json()
                found = await events(api, order_id, "porting_order.new_comment")
                return seed, order, comments["data"], found
    raise AssertionError("no seed in 0..39 moved the FOC; FOC_MOVE_RATE is 0.2")


async def test_carrier_may_confirm_a_later_foc_with_a_comment_event() -> None:
    """Some carriers confirm a later business day than requested, said in a comment + event."""
    _, order, comments, found = await _moved_foc_story()
    assert order["status"]["value"] == "foc-date-confirmed"
    settings = order["activation_settings"]
    requested = parse_iso(settings["foc_datetime_requested"])
    actual = parse_iso(settings["foc_datetime_actual"])
    assert actual > requested
    assert is_business_day(actual.date())
    assert actual.time() == requested.time()
    [comment] = comments
    assert settings["foc_datetime_actual"] in comment["body"]
    assert len(found) == 1


async def test_moved_foc_ports_on_the_confirmed_date_not_the_requested_one() -> None:
    """The port happens at foc_datetime_actual: not yet past the requested FOC, then after."""
    seed, story, _, _ = await _moved_foc_story()
    requested = parse_iso(story["activation_settings"]["foc_datetime_requested"])
    actual = parse_iso(story["activation_settings"]["foc_datetime_actual"])
    async with simulator(profile="realistic", seed=seed, **QUIET) as api:
        order_id = await ready_order(api, NUMBER, end_user_for(NUMBER, seed))
        await confirm(api, order_id)
        now = parse_iso((await api.get("http://sim.test/_simulator/clock")).json()["now"])
        await advance(api, seconds=(requested - now).total_seconds() + 3600)
        assert (await order_of(api, order_id))["status"]["value"] == "foc-date-confirmed"
        await advance(api, seconds=(actual - requested).total_seconds())
        order = await order_of(api, order_id)
    assert order["status"]["value"] == "ported"
    assert (
        order["activation_settings"]["foc_datetime_actual"]
        == story["activation_settings"]["foc_datetime_actual"]
    )


BLOCK = ["+13125550155", "+13125550156", "+13125550157", "+13125550158"]


async def test_ops_split_moves_numbers_to_a_new_order_with_split_events() -> None:
    """At ops_split_rate 1 a submitted order loses half its numbers to a new order; both get
    porting_order.split naming from, to and the moved numbers, and the new order goes on."""
    async with simulator(profile="realistic", random_rejection_rate=0.0, ops_split_rate=1.0) as api:
        created = await api.post("/porting_orders", json={"phone_numbers": BLOCK})
        [draft] = created.json()["data"]
        order_id = draft["id"]
        await patch_ready(api, order_id, end_user_for(BLOCK[0]))
        await confirm(api, order_id)
        await advance(api, hours=2)
        order = await order_of(api, order_id)
        [split] = await events(api, order_id, "porting_order.split")
        payload = split["payload"]
        assert payload["from"] == {"id": order_id}
        new_id = payload["to"]["id"]
        assert new_id != order_id
        moved = (
            await api.get("/porting_phone_numbers", params={"filter[porting_order_id]": new_id})
        ).json()["data"]
        assert len(await events(api, new_id, "porting_order.split")) == 1
        await advance(api, days=2)
        new_order = await order_of(api, new_id)
    kept = [n["phone_number"] for n in order["phone_numbers"]]
    moved_numbers = sorted(n["phone_number"] for n in moved)
    assert kept == BLOCK[:2]
    assert moved_numbers == BLOCK[2:]
    assert [n["phone_number"] for n in payload["porting_phone_numbers"]] == BLOCK[2:]
    assert order["porting_phone_numbers_count"] == 2
    assert new_order["status"]["value"] in {"foc-date-confirmed", "ported"}


async def test_no_split_in_lenient_profile() -> None:
    """Lenient never splits: the order keeps all its numbers and no split event is recorded."""
    async with simulator(random_rejection_rate=0.0) as api:
        created = await api.post("/porting_orders", json={"phone_numbers": BLOCK})
        order_id = created.json()["data"][0]["id"]
        await patch_ready(api, order_id, end_user_for(BLOCK[0]))
        await confirm(api, order_id)
        await advance(api, hours=2)
        order = await order_of(api, order_id)
        assert await events(api, order_id, "porting_order.split") == []
    assert order["porting_phone_numbers_count"] == len(BLOCK)


async def test_lenient_profile_keeps_unlinked_documents_and_old_drafts() -> None:
    """Lenient deletes nothing on its own: a loose upload and a 31-day-old draft remain."""
    async with simulator(profile="lenient") as api:
        loose = await upload(api)
        created = await api.post("/porting_orders", json={"phone_numbers": [NUMBER]})
        order_id = created.json()["data"][0]["id"]
        await advance(api, days=31)
        assert (await api.get(f"/documents/{loose}")).status_code == 200
        assert (await api.get(f"/porting_orders/{order_id}")).status_code == 200


def test_ops_split_rate_defaults_follow_the_profile() -> None:
    """0 in lenient, REALISTIC_OPS_SPLIT_RATE in realistic, and out-of-range values refused."""
    from porting_batch.simulator.config import REALISTIC_OPS_SPLIT_RATE, SimulatorConfig
    from porting_batch.simulator.state import SimState

    assert SimState(SimulatorConfig(profile="lenient")).ops_split_rate == 0.0
    assert SimState(SimulatorConfig()).ops_split_rate == REALISTIC_OPS_SPLIT_RATE
    with pytest.raises(ValueError, match="ops_split_rate"):
        SimState(SimulatorConfig(ops_split_rate=1.5))


def test_command_line_takes_ops_split_rate() -> None:
    """--ops-split-rate reaches the parser; absent, the profile decides (None)."""
    from porting_batch.simulator.server import build_parser

    assert build_parser().parse_args(["--ops-split-rate", "0.5"]).ops_split_rate == 0.5
    assert build_parser().parse_args([]).ops_split_rate is None
