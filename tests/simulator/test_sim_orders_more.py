"""Order sub-resources, list filters and sorting, the number facts table and scenarios."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from porting_batch.simulator import create_app
from porting_batch.simulator.calendar import us_federal_holidays
from porting_batch.simulator.numbers import NANP_CARRIERS, derive_facts
from porting_batch.simulator.scenario import ScenarioError, load_scenario

from .conftest import frozen_config, lenient_config, sim_client
from .helpers import END_USER, FAST_NUMBERS, SLOW_NUMBERS, complete, create, first_window, upload


def test_comments_are_posted_and_listed(api: TestClient) -> None:
    """POST comments answers 201; GET lists them; an empty body is a 422."""
    [order] = create(api, SLOW_NUMBERS)
    url = f"/porting_orders/{order['id']}/comments"
    created = api.post(url, json={"body": "Please expedite"})
    assert created.status_code == 201
    assert created.json()["data"]["user_type"] == "user"
    assert [c["body"] for c in api.get(url).json()["data"]] == ["Please expedite"]
    assert api.post(url, json={"body": ""}).status_code == 422


def test_loa_template_is_a_pdf_naming_numbers_end_user_and_address(api: TestClient) -> None:
    """The LOA template is a PDF whose text lists the numbers, entity and service address."""
    [order] = create(api, SLOW_NUMBERS)
    api.patch(f"/porting_orders/{order['id']}", json={"end_user": END_USER})
    response = api.get(f"/porting_orders/{order['id']}/loa_template")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    for text in [*SLOW_NUMBERS, "Acme Widgets Inc.", "600 Congress Avenue", "Chicago"]:
        assert text.encode() in pdf


def test_requirements_sub_request_and_exception_types(api: TestClient) -> None:
    """Requirements follow the documents; sub_request and exception_types answer."""
    [order] = create(api, SLOW_NUMBERS)
    requirements = api.get(f"/porting_orders/{order['id']}/requirements").json()["data"]
    assert [r["requirement_status"] for r in requirements] == ["pending", "pending"]
    complete(api, order["id"])
    requirements = api.get(f"/porting_orders/{order['id']}/requirements").json()["data"]
    assert [r["requirement_status"] for r in requirements] == ["approved", "approved"]
    sub = api.get(f"/porting_orders/{order['id']}/sub_request").json()["data"]
    assert sub["port_request_id"].startswith("pr_")
    codes = [t["code"] for t in api.get("/porting_orders/exception_types").json()["data"]]
    assert len(codes) == 21 and "LOCATION_MISMATCH" in codes


def test_list_filters_status_in_both_array_forms_and_number_contains(api: TestClient) -> None:
    """filter[status] takes a,b or repeated [in][]; phone number contains and country work."""
    [draft] = create(api, SLOW_NUMBERS, reference="a")
    [other] = create(api, FAST_NUMBERS, reference="b")
    complete(api, other["id"])
    api.post(f"/porting_orders/{other['id']}/actions/confirm")
    [uk] = create(api, ["+442079460000"], reference="c")
    comma = api.get("/porting_orders", params={"filter[status]": "draft,in-process"}).json()
    repeated = api.get(
        "/porting_orders",
        params=[("filter[status][in][]", "draft"), ("filter[status][in][]", "in-process")],
    ).json()
    assert {o["id"] for o in comma["data"]} == {draft["id"], other["id"], uk["id"]}
    assert comma["data"] == repeated["data"]
    only_in_process = api.get("/porting_orders", params={"filter[status]": "in-process"}).json()
    assert [o["id"] for o in only_in_process["data"]] == [other["id"]]
    contains = api.get(
        "/porting_orders", params={"filter[phone_numbers][phone_number][contains]": "560010"}
    ).json()
    assert [o["id"] for o in contains["data"]] == [other["id"]]
    by_country = api.get("/porting_orders", params={"filter[phone_numbers.country_code]": "GB"})
    assert [o["id"] for o in by_country.json()["data"]] == [uk["id"]]
    grouped = api.get("/porting_orders", params={"filter[customer_group_reference]": "none"})
    assert grouped.json()["data"] == []


def test_list_sorts_and_can_leave_numbers_out(api: TestClient) -> None:
    """sort[value]=created_at gives oldest first; include_phone_numbers=false omits them."""
    first = create(api, SLOW_NUMBERS[:1])[0]
    second = create(api, SLOW_NUMBERS[1:])[0]
    oldest = api.get("/porting_orders", params={"sort[value]": "created_at"}).json()["data"]
    assert [o["id"] for o in oldest] == [first["id"], second["id"]]
    newest = api.get("/porting_orders").json()["data"]
    assert [o["id"] for o in newest] == [second["id"], first["id"]]
    bare = api.get("/porting_orders", params={"include_phone_numbers": "false"}).json()["data"]
    assert all("phone_numbers" not in o for o in bare)
    assert api.get("/porting_orders", params={"sort[value]": "name"}).status_code == 422


def test_porting_phone_numbers_list_by_order(api: TestClient) -> None:
    """GET /porting_phone_numbers filters by porting_order_id and status."""
    [order] = create(api, SLOW_NUMBERS)
    create(api, FAST_NUMBERS)
    listed = api.get(
        "/porting_phone_numbers", params={"filter[porting_order_id]": order["id"]}
    ).json()
    assert [n["phone_number"] for n in listed["data"]] == SLOW_NUMBERS
    assert listed["meta"]["total_results"] == 2
    everything = api.get("/porting_phone_numbers", params={"filter[porting_order_status]": "draft"})
    assert everything.json()["meta"]["total_results"] == 4


@pytest.mark.parametrize(
    ("number", "kind", "portable", "reason"),
    [
        pytest.param("+13125550101", "local", True, "", id="nanp-local"),
        pytest.param("+18005550100", "toll_free", True, "", id="nanp-toll-free"),
        pytest.param("+13125559900", "local", False, "No coverage", id="last-four-9900"),
        pytest.param("+447911123456", "mobile", True, "", id="gb-mobile"),
        pytest.param("+4930123456", "landline", True, "", id="de-landline"),
        pytest.param("+1999555010", "national", False, "Invalid number", id="invalid"),
    ],
)
def test_number_facts_follow_the_documented_table(
    number: str, kind: str, portable: bool, reason: str
) -> None:
    """Type, portability and reason come from phonenumbers and the last four digits."""
    facts = derive_facts(number)
    assert (facts.phone_number_type, facts.portable, facts.not_portable_reason) == (
        kind,
        portable,
        reason,
    )


def test_carriers_follow_npa_nxx_and_exactly_four_are_fastport() -> None:
    """int(NPA+NXX) % 8 picks the carrier; four of the eight are FastPort."""
    assert sum(carrier.fastport for carrier in NANP_CARRIERS) == 4
    assert derive_facts("+13125600101").carrier_name == NANP_CARRIERS[312560 % 8].name
    assert derive_facts("+13125600199").spid == derive_facts("+13125600101").spid


def test_us_federal_holidays_are_computed_with_observed_days() -> None:
    """2026: July 4 falls on Saturday (observed Friday 3rd); Thanksgiving is 26 November."""
    holidays = us_federal_holidays(2026)
    assert date(2026, 7, 3) in holidays
    assert date(2026, 11, 26) in holidays
    assert date(2026, 1, 19) in holidays  # Martin Luther King Jr. Day
    assert len(holidays) == 11


def test_scenario_file_overrides_facts_by_number_and_prefix(tmp_path: Path) -> None:
    """A YAML scenario makes a prefix mobile and one number not portable."""
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "numbers:\n"
        '  "+1415555*": {phone_number_type: mobile, fast_portable: false}\n'
        '  "+14155550123": {portable: false, not_portable_reason: "Disconnected"}\n',
        encoding="utf-8",
    )
    app = create_app(frozen_config(scenario=path))
    with sim_client(app) as api:
        data = api.post(
            "/portability_checks", json={"phone_numbers": ["+14155550100", "+14155550123"]}
        ).json()["data"]
    assert data[0]["phone_number_type"] == "mobile"
    assert (data[1]["portable"], data[1]["not_portable_reason"]) == (False, "Disconnected")


def test_scenario_with_unknown_facts_is_refused_naming_the_key(tmp_path: Path) -> None:
    """A misspelt fact names the file and the key."""
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps({"numbers": {"+13125550101": {"portabel": False}}}))
    with pytest.raises(ScenarioError, match="portabel"):
        load_scenario(path)


def test_porting_phone_numbers_answer_csv_when_asked(api: TestClient) -> None:
    """Accept: text/csv gives the spec's CSV columns, one line per number."""
    [order] = create(api, SLOW_NUMBERS)
    response = api.get(
        "/porting_phone_numbers",
        params={"filter[porting_order_id]": order["id"]},
        headers={"Accept": "text/csv"},
    )
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert (
        lines[0]
        == "phone_number,phone_number_type,porting_order_id,support_key,porting_order_status"
    )
    assert lines[1] == f"{SLOW_NUMBERS[0]},local,{order['id']},,draft"


def test_loa_pdf_cross_reference_table_points_at_its_objects(api: TestClient) -> None:
    """Every xref offset lands on its "N 0 obj" and startxref on the table: a readable PDF."""
    [order] = create(api, [f"+1312555{n:04d}" for n in range(120)])  # several pages
    pdf = api.get(f"/porting_orders/{order['id']}/loa_template").content
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    assert pdf[start:].startswith(b"xref\n0 ")
    lines = pdf[start:].split(b"\n")
    count = int(lines[1].split()[1])
    offsets = [int(line.split()[0]) for line in lines[3 : 3 + count - 1]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(f"{number} 0 obj".encode())
    assert pdf.count(b"/Type /Page ") == 3


ORDER_FILTER_CASES = [
    ("customer_reference", "a", {"a"}),
    ("customer_group_reference", "g-a", {"a"}),
    ("status", "in-process", {"b"}),
    ("status", "draft,in-process", {"a", "b", "c"}),
    ("phone_numbers][phone_number][contains", "560010", {"b"}),
    ("phone_numbers.country_code", "US,GB", {"a", "b", "c"}),
    ("phone_numbers.carrier_name", "Bluegrass Telco", {"a"}),
    ("misc.type", "partial", {"a"}),
    ("misc.type", "full", {"b", "c"}),
    ("end_user.admin.entity_name", "Acme Widgets Inc.", {"a", "b"}),
    ("end_user.admin.auth_person_name", "Nobody", set()),
    ("activation_settings.fast_port_eligible", "true", {"b"}),
    ("activation_settings.fast_port_eligible", "false", {"a", "c"}),
    ("activation_settings.fast_port_eligible", "TRUE", {"b"}),
    ("activation_settings][foc_datetime_requested][gt", "2026-03-01T00:00:00Z", {"a", "b"}),
    ("activation_settings][foc_datetime_requested][lt", "2026-03-01T00:00:00Z", set()),
    ("activation_settings][foc_datetime_requested][lt", "2026-04-30T00:00:00Z", {"a", "b"}),
    ("not_a_filter", "x", {"a", "b", "c"}),
]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    ORDER_FILTER_CASES,
    ids=[f"{name}={value}" for name, value, _ in ORDER_FILTER_CASES],
)
def test_list_filters_select_orders_by_each_field(
    name: str, value: str, expected: set[str]
) -> None:
    """Each order filter selects by its field; the lenient profile ignores unknown filters."""
    # Lenient: the realistic profile refuses the unknown filter (R9, test_sim_realistic).
    with sim_client(create_app(lenient_config()), validate=False) as api:
        [a] = create(api, SLOW_NUMBERS[:1], reference="a")
        body = {
            "customer_group_reference": "g-a",
            "misc": {"type": "partial"},
            "end_user": END_USER,
            "activation_settings": {"foc_datetime_requested": first_window(api, a["id"])},
        }
        assert api.patch(f"/porting_orders/{a['id']}", json=body).status_code == 200
        [b] = create(api, FAST_NUMBERS[:1], reference="b")
        complete(api, b["id"])
        assert api.post(f"/porting_orders/{b['id']}/actions/confirm").status_code == 200
        [c] = create(api, ["+442079460000"], reference="c")
        labels = {a["id"]: "a", b["id"]: "b", c["id"]: "c"}
        response = api.get("/porting_orders", params={f"filter[{name}]": value})
    assert response.status_code == 200
    assert {labels[order["id"]] for order in response.json()["data"]} == expected


def test_list_filter_by_parent_support_key_finds_the_confirmed_order(api: TestClient) -> None:
    """filter[parent_support_key] matches the key a confirmed order was given."""
    [order] = create(api, FAST_NUMBERS[:1])
    complete(api, order["id"])
    confirmed = api.post(f"/porting_orders/{order['id']}/actions/confirm").json()["data"]
    create(api, SLOW_NUMBERS[:1])
    key = confirmed["parent_support_key"]
    listed = api.get("/porting_orders", params={"filter[parent_support_key]": key}).json()
    assert [o["id"] for o in listed["data"]] == [order["id"]]


def test_list_filter_with_a_bad_foc_bound_is_a_422_naming_it(api: TestClient) -> None:
    """An unreadable FOC bound is a 422 whose source names the filter parameter."""
    [order] = create(api, SLOW_NUMBERS[:1])
    complete(api, order["id"])
    name = "activation_settings.foc_datetime_requested.gt"
    response = api.get(
        "/porting_orders",
        params={"filter[activation_settings][foc_datetime_requested][gt]": "soon"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"] == {"parameter": f"filter[{name}]"}


def test_additional_documents_list_every_bad_item_and_attach_nothing(api: TestClient) -> None:
    """Each bad item gives its errors (id, then type) in item order; nothing is attached."""
    [order] = create(api, SLOW_NUMBERS)
    url = f"/porting_orders/{order['id']}/additional_documents"
    items = [5, {"document_id": "x", "document_type": "bad"}, {"document_id": upload(api)}]
    response = api.post(url, json={"additional_documents": items})
    assert response.status_code == 422
    found = [(e["code"], e["source"]["pointer"]) for e in response.json()["errors"]]
    assert found == [
        ("10015", "/additional_documents/0"),
        ("10015", "/additional_documents/1/document_id"),
        ("80022", "/additional_documents/1/document_type"),
        ("80022", "/additional_documents/2/document_type"),
    ]
    assert api.get(url).json()["data"] == []
