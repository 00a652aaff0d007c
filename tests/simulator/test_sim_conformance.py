"""Conformance: every simulated operation, through a success and an error, checked against the
spec subset (the validating client checks each request and response)."""

from __future__ import annotations

import base64
import re
from typing import Any

import httpx
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from porting_batch.simulator import create_app
from porting_batch.simulator.requirements import LOA
from porting_batch.testing.openapi import check_exchange, operation_for

from .conftest import frozen_config, lenient_config, sim_client
from .helpers import END_USER, FAST_NUMBERS, PDF, SLOW_NUMBERS, complete, create, upload

MISSING = "00000000-0000-4000-8000-000000000000"
NO_AUTH = "send without an API key"
RANGE = {
    "action": "keep",
    "phone_number_range": {"start_at": "+441234567890", "end_at": "+441234567899"},
}

# (operation, method, path, body or None, expected status); {draft}, {confirmed}, {fast},
# {doc}, {event}, {csr}, {extra}, {job} are filled in from the world fixture.
CASES: list[tuple[str, str, str, Any, int]] = [
    ("portability_checks", "POST", "/portability_checks", {"phone_numbers": ["+13125550101"]}, 201),
    ("portability_checks", "POST", "/portability_checks", {"phone_numbers": ["12"]}, 422),
    ("create_order", "POST", "/porting_orders", {"phone_numbers": ["+13125550177"]}, 201),
    ("create_order", "POST", "/porting_orders", {"phone_numbers": []}, 422),
    ("list_orders", "GET", "/porting_orders?page[size]=5", None, 200),
    ("list_orders", "GET", "/porting_orders?page[number]=0", None, 422),
    ("get_order", "GET", "/porting_orders/{draft}", None, 200),
    ("get_order", "GET", f"/porting_orders/{MISSING}", None, 404),
    ("patch_order", "PATCH", "/porting_orders/{draft}", {"customer_reference": "c"}, 200),
    ("patch_order", "PATCH", "/porting_orders/{draft}", {"misc": {"type": "x"}}, 422),
    ("delete_order", "DELETE", "/porting_orders/{deletable}", None, 204),
    ("delete_order", "DELETE", "/porting_orders/{confirmed}", None, 422),
    ("confirm", "POST", "/porting_orders/{ready}/actions/confirm", None, 200),
    ("confirm", "POST", "/porting_orders/{draft}/actions/confirm", None, 422),
    ("cancel", "POST", "/porting_orders/{confirmed}/actions/cancel", None, 200),
    ("cancel", "POST", "/porting_orders/{draft}/actions/cancel", None, 422),
    ("activate", "POST", "/porting_orders/{fast}/actions/activate", None, 202),
    ("activate", "POST", "/porting_orders/{draft}/actions/activate", None, 422),
    ("foc_windows", "GET", "/porting_orders/{draft}/allowed_foc_windows", None, 200),
    ("foc_windows", "GET", f"/porting_orders/{MISSING}/allowed_foc_windows", None, 404),
    ("requirements", "GET", "/porting_orders/{draft}/requirements", None, 200),
    ("requirements", "GET", "/porting_orders/{draft}/requirements?page[size]=300", None, 422),
    ("loa_template", "GET", "/porting_orders/{draft}/loa_template", None, 200),
    ("loa_template", "GET", f"/porting_orders/{MISSING}/loa_template", None, 404),
    ("sub_request", "GET", "/porting_orders/{draft}/sub_request", None, 200),
    ("sub_request", "GET", f"/porting_orders/{MISSING}/sub_request", None, 404),
    ("exception_types", "GET", "/porting_orders/exception_types", None, 200),
    ("exception_types", "GET", "/porting_orders/exception_types", NO_AUTH, 401),
    ("list_comments", "GET", "/porting_orders/{draft}/comments", None, 200),
    ("list_comments", "GET", f"/porting_orders/{MISSING}/comments", None, 404),
    ("create_comment", "POST", "/porting_orders/{draft}/comments", {"body": "hello"}, 201),
    ("create_comment", "POST", "/porting_orders/{draft}/comments", {"body": 3}, 422),
    ("list_extra_docs", "GET", "/porting_orders/{draft}/additional_documents", None, 200),
    ("list_extra_docs", "GET", f"/porting_orders/{MISSING}/additional_documents", None, 404),
    (
        "create_extra_docs",
        "POST",
        "/porting_orders/{draft}/additional_documents",
        {"additional_documents": [{"document_id": "{doc}", "document_type": "other"}]},
        201,
    ),
    (
        "create_extra_docs",
        "POST",
        "/porting_orders/{draft}/additional_documents",
        {"additional_documents": [{"document_id": MISSING, "document_type": "other"}]},
        422,
    ),
    (
        "delete_extra_doc",
        "DELETE",
        "/porting_orders/{draft}/additional_documents/{extra}",
        None,
        204,
    ),
    (
        "delete_extra_doc",
        "DELETE",
        f"/porting_orders/{{draft}}/additional_documents/{MISSING}",
        None,
        404,
    ),
    ("list_jobs", "GET", "/porting_orders/{fast}/activation_jobs", None, 200),
    ("list_jobs", "GET", f"/porting_orders/{MISSING}/activation_jobs", None, 404),
    ("get_job", "GET", "/porting_orders/{fast}/activation_jobs/{job}", None, 200),
    ("get_job", "GET", f"/porting_orders/{{fast}}/activation_jobs/{MISSING}", None, 404),
    ("porting_phone_numbers", "GET", "/porting_phone_numbers?page[size]=3", None, 200),
    ("porting_phone_numbers", "GET", "/porting_phone_numbers?page[size]=0", None, 422),
    ("number_configs", "GET", "/porting_orders/phone_number_configurations", None, 200),
    (
        "number_configs",
        "GET",
        "/porting_orders/phone_number_configurations?page[size]=0",
        None,
        422,
    ),
    ("list_events", "GET", "/porting/events?filter[type]=porting_order.status_changed", None, 200),
    ("list_events", "GET", "/porting/events?filter[created_at][gte]=yesterday", None, 422),
    ("get_event", "GET", "/porting/events/{event}", None, 200),
    ("get_event", "GET", f"/porting/events/{MISSING}", None, 404),
    ("republish_event", "POST", "/porting/events/{event}/republish", None, 204),
    ("republish_event", "POST", f"/porting/events/{MISSING}/republish", None, 404),
    ("list_documents", "GET", "/documents", None, 200),
    ("list_documents", "GET", "/documents?page[size]=251", None, 422),
    (
        "upload_document",
        "POST",
        "/documents",
        {"file": base64.b64encode(PDF).decode(), "filename": "x.pdf"},
        200,
    ),
    ("upload_document", "POST", "/documents", {"file": "!!not base64!!"}, 422),
    ("get_document", "GET", "/documents/{doc}", None, 200),
    ("get_document", "GET", f"/documents/{MISSING}", None, 404),
    ("patch_document", "PATCH", "/documents/{doc}", {"customer_reference": "r"}, 200),
    ("patch_document", "PATCH", "/documents/{doc}", {"filename": 1}, 422),
    ("delete_document", "DELETE", "/documents/{spare_doc}", None, 200),
    ("delete_document", "DELETE", "/documents/{linked_doc}", None, 422),
    ("download_document", "GET", "/documents/{doc}/download", None, 200),
    ("download_document", "GET", f"/documents/{MISSING}/download", None, 404),
    (
        "csr_coverage",
        "POST",
        "/customer_service_records/phone_number_coverages",
        {"phone_numbers": ["+13125550101"]},
        201,
    ),
    (
        "csr_coverage",
        "POST",
        "/customer_service_records/phone_number_coverages",
        {"phone_numbers": ["+4420"]},
        422,
    ),
    ("create_csr", "POST", "/customer_service_records", {"phone_number": "+13125550105"}, 201),
    ("create_csr", "POST", "/customer_service_records", {"phone_number": "+44207946"}, 422),
    ("get_csr", "GET", "/customer_service_records/{csr}", None, 201),
    ("get_csr", "GET", f"/customer_service_records/{MISSING}", None, 404),
    ("list_csrs", "GET", "/customer_service_records", None, 200),
    ("list_csrs", "GET", "/customer_service_records?sort[value]=name", None, 422),
    ("requirement_types", "GET", "/requirement_types?filter[name][contains]=invoice", None, 200),
    ("requirement_types", "GET", "/requirement_types?sort=colour", None, 422),
    ("requirement_type", "GET", f"/requirement_types/{LOA.id}", None, 200),
    ("requirement_type", "GET", f"/requirement_types/{MISSING}", None, 404),
    ("list_associated", "GET", "/porting_orders/{draft}/associated_phone_numbers", None, 200),
    ("list_associated", "GET", f"/porting_orders/{MISSING}/associated_phone_numbers", None, 404),
    ("create_associated", "POST", "/porting_orders/{draft}/associated_phone_numbers", RANGE, 201),
    (
        "create_associated",
        "POST",
        "/porting_orders/{draft}/associated_phone_numbers",
        {"action": "keep", "phone_number_range": {"start_at": "+1", "end_at": "+2"}},
        422,
    ),
    (
        "delete_associated",
        "DELETE",
        "/porting_orders/{draft}/associated_phone_numbers/{assoc}",
        None,
        200,
    ),
    (
        "delete_associated",
        "DELETE",
        f"/porting_orders/{{draft}}/associated_phone_numbers/{MISSING}",
        None,
        404,
    ),
]


def _world(api: TestClient, needed: set[str]) -> dict[str, str]:
    """Build only the objects a case refers to (the FastPort one needs the clock moved)."""
    sim = api.app.state.sim  # type: ignore[attr-defined]
    world: dict[str, str] = {}
    if "fast" in needed or "job" in needed:
        [fast] = create(api, FAST_NUMBERS)
        complete(api, fast["id"], END_USER)
        api.post(f"/porting_orders/{fast['id']}/actions/confirm")
        sim.advance(26 * 3600)
        jobs = api.get(f"/porting_orders/{fast['id']}/activation_jobs").json()["data"]
        start = sim.now().fromisoformat(jobs[0]["activation_windows"][0]["start_at"])
        sim.advance((start - sim.now()).total_seconds() + 60)
        world |= {"fast": fast["id"], "job": jobs[0]["id"]}
    if needed & {"draft", "extra", "assoc"}:
        world["draft"] = create(api, ["+13125550150"])[0]["id"]
    if "deletable" in needed:
        world["deletable"] = create(api, ["+13125550151"])[0]["id"]
    if needed & {"ready", "linked_doc"}:
        [ready] = create(api, ["+13125550152"])
        complete(api, ready["id"])
        order = api.get(f"/porting_orders/{ready['id']}").json()["data"]
        world |= {"ready": ready["id"], "linked_doc": order["documents"]["loa"]}
    if "confirmed" in needed:
        [confirmed] = create(api, SLOW_NUMBERS)
        complete(api, confirmed["id"])
        api.post(f"/porting_orders/{confirmed['id']}/actions/confirm")
        world["confirmed"] = confirmed["id"]
    if needed & {"doc", "extra"}:
        world["doc"] = upload(api)
    if "spare_doc" in needed:
        world["spare_doc"] = upload(api)
    if "extra" in needed:
        world["extra"] = api.post(
            f"/porting_orders/{world['draft']}/additional_documents",
            json={"additional_documents": [{"document_id": world["doc"], "document_type": "csr"}]},
        ).json()["data"][0]["id"]
    if "assoc" in needed:
        url = f"/porting_orders/{world['draft']}/associated_phone_numbers"
        world["assoc"] = api.post(url, json=RANGE).json()["data"]["id"]
    if "event" in needed:
        [order] = create(api, ["+13125550153"])
        api.post(f"/porting_orders/{order['id']}/comments", json={"body": "x"})
        world["event"] = api.get("/porting/events").json()["data"][0]["id"]
    if "csr" in needed:
        csr = api.post("/customer_service_records", json={"phone_number": "+13125550104"})
        world["csr"] = csr.json()["data"]["id"]
    return world


def _names(value: Any) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", repr(value)))


def _fill(value: Any, world: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: world.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    return value


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [pytest.param(m, p, b, s, id=f"{name}-{s}") for name, m, p, b, s in CASES],
)
def test_operation_conforms_to_the_spec(method: str, path: str, body: Any, status: int) -> None:
    """The call answers the expected status, and request and answer match the spec subset.

    Lenient: the world the cases build (a FastPort order activated at once, associated
    numbers on a US partial port) exists only there; every realistic exchange is checked
    against the spec by the validating client of test_sim_realistic*."""
    app = create_app(lenient_config())
    with sim_client(app) as api:
        world = _world(api, _names(path) | _names(body))
        if body == NO_AUTH:
            del api.headers["Authorization"]
            body = None
        response = api.request(method, _fill(path, world), json=_fill(body, world))
    assert response.status_code == status, response.text


def test_every_simulated_route_has_a_success_and_an_error_case() -> None:
    """No /v2 route is served without a conformance case for success and for failure."""
    app = create_app(frozen_config())
    served = set()
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith("/v2/"):
            for method in route.methods or ():
                if method != "HEAD":
                    template = re.sub(r"\{[^}]+\}", "{}", route.path[len("/v2") :])
                    served.add((method, template))
    covered: dict[tuple[str, str], set[bool]] = {}
    for _, method, path, _, status in CASES:
        template = re.sub(r"\{[^}]+\}", "{}", path.split("?")[0])
        template = template.replace(MISSING, "{}")
        covered.setdefault((method, template), set()).add(status < 400)
    served.discard(("GET", "/{}"))
    for key in served:
        key_templates = {k for k in covered if k[0] == key[0] and _same(k[1], key[1])}
        assert key_templates, f"{key} has no conformance case"
        outcomes = set().union(*(covered[k] for k in key_templates))
        assert outcomes == {True, False}, f"{key} lacks a success or an error case"
        assert operation_for(key[0], "/v2" + key[1].replace("{}", "x")) is not None, key


def _same(case_template: str, route_template: str) -> bool:
    case_parts = case_template.strip("/").split("/")
    route_parts = route_template.strip("/").split("/")
    return len(case_parts) == len(route_parts) and all(
        c == r or r == "{}" for c, r in zip(case_parts, route_parts, strict=True)
    )


def test_the_spec_check_catches_a_response_that_breaks_the_schema() -> None:
    """The validator is not a rubber stamp: a wrong type in an order fails it."""
    request = httpx.Request(
        "GET",
        "http://sim.test/v2/porting_orders/f1486bae-f067-460c-ad43-73a92848f902",
        headers={"Authorization": "Bearer KEY"},
    )
    body = {
        "data": {"id": "f1486bae-f067-460c-ad43-73a92848f902", "porting_phone_numbers_count": "2"}
    }
    response = httpx.Response(200, json=body, request=request)
    with pytest.raises(AssertionError, match="porting_phone_numbers_count"):
        check_exchange(response)
    error = httpx.Response(422, json={"errors": [{"code": 10015, "title": "x"}]}, request=request)
    with pytest.raises(AssertionError, match="10015"):
        check_exchange(error)
