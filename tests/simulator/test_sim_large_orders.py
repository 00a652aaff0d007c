"""A large order, as Telnyx shows it: 50 numbers inline, the count, every number paged."""

from __future__ import annotations

from starlette.testclient import TestClient

from porting_batch.simulator.http import MAX_PAGE_SIZE

from .helpers import create

# 1,000 numbers of one NPA-NXX (one carrier, one order); none ends in the 99xx no-coverage block.
THOUSAND = [f"+1312555{n:04d}" for n in range(1000)]


def test_a_thousand_number_order_shows_fifty_and_pages_every_number_once(
    api: TestClient,
) -> None:
    """Create, get and list show 50 numbers and count 1000; the number list pages all 1000."""
    [order] = create(api, THOUSAND, reference="big-1")
    assert order["porting_phone_numbers_count"] == 1000
    assert [n["phone_number"] for n in order["phone_numbers"]] == THOUSAND[:50]

    got = api.get(f"/porting_orders/{order['id']}").json()
    assert len(got["data"]["phone_numbers"]) == 50
    assert got["data"]["porting_phone_numbers_count"] == 1000
    url = got["meta"]["phone_numbers_url"]
    assert url == f"/v2/porting_phone_numbers?filter[porting_order_id]={order['id']}"

    [listed] = api.get("/porting_orders", params={"filter[customer_reference]": "big-1"}).json()[
        "data"
    ]
    assert len(listed["phone_numbers"]) == 50
    assert listed["porting_phone_numbers_count"] == 1000
    bare = api.get(f"/porting_orders/{order['id']}", params={"include_phone_numbers": "false"})
    assert "phone_numbers" not in bare.json()["data"]

    seen: list[str] = []
    page = 1
    while True:
        answer = api.get(
            f"http://sim.test{url}", params={"page[number]": page, "page[size]": MAX_PAGE_SIZE}
        ).json()
        assert answer["meta"] == {
            "page_number": page,
            "page_size": MAX_PAGE_SIZE,
            "total_pages": 4,
            "total_results": 1000,
        }
        seen += [n["phone_number"] for n in answer["data"]]
        assert {n["porting_order_id"] for n in answer["data"]} <= {order["id"]}
        if page == answer["meta"]["total_pages"]:
            break
        page += 1
    assert seen == THOUSAND


def test_number_pages_refuse_sizes_above_the_spec_maximum(api: TestClient) -> None:
    """page[size] 250 is served; 251 and 0 are a 422 naming the parameter."""
    [order] = create(api, THOUSAND[:3])
    url = "/porting_phone_numbers"
    ok = api.get(url, params={"filter[porting_order_id]": order["id"], "page[size]": 250})
    assert ok.status_code == 200 and len(ok.json()["data"]) == 3
    for size in (251, 0):
        refused = api.get(url, params={"page[size]": size})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["source"] == {"parameter": "page[size]"}


def test_numbers_of_other_orders_are_not_listed_under_an_order(api: TestClient) -> None:
    """filter[porting_order_id] lists only that order's numbers; a page past the end is empty."""
    [first] = create(api, THOUSAND[:3], reference="a")
    [second] = create(api, THOUSAND[3:5], reference="b")
    answer = api.get(
        "/porting_phone_numbers", params={"filter[porting_order_id]": second["id"]}
    ).json()
    assert [n["phone_number"] for n in answer["data"]] == THOUSAND[3:5]
    assert answer["meta"]["total_results"] == 2
    past = api.get(
        "/porting_phone_numbers",
        params={"filter[porting_order_id]": first["id"], "page[number]": 2, "page[size]": 3},
    ).json()
    assert past["data"] == [] and past["meta"]["total_results"] == 3
