"""GET /documents filters as the spec declares them, so a lost upload is found in one page."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from starlette.testclient import TestClient

from .helpers import PDF


def _upload(api: TestClient, name: str, reference: str, content: bytes = PDF) -> dict[str, Any]:
    response = api.post(
        "/documents",
        files={"file": (name, content, "application/pdf")},
        data={"customer_reference": reference},
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()["data"]
    return document


def _names(api: TestClient, params: Any) -> list[str]:
    response = api.get("/documents", params=params)
    assert response.status_code == 200, response.text
    return [d["filename"] for d in response.json()["data"]]


def test_customer_reference_eq_matches_the_whole_reference_only(api: TestClient) -> None:
    """eq is exact (a comma is part of the value); in takes the comma and repeated forms."""
    _upload(api, "loa-a.pdf", "batch 7, group 2")
    _upload(api, "loa-b.pdf", "batch 7")
    _upload(api, "loa-c.pdf", " group 2")
    _upload(api, "loa-d.pdf", "other")
    assert _names(api, {"filter[customer_reference][eq]": "batch 7, group 2"}) == ["loa-a.pdf"]
    assert _names(api, {"filter[customer_reference][eq]": "batch"}) == []
    assert sorted(_names(api, {"filter[customer_reference][in]": "batch 7,other"})) == [
        "loa-b.pdf",
        "loa-d.pdf",
    ]
    repeated = [("filter[customer_reference][in][]", v) for v in ("batch 7", "other")]
    assert sorted(_names(api, repeated)) == ["loa-b.pdf", "loa-d.pdf"]


def test_filename_contains_matches_part_of_the_stored_name(api: TestClient) -> None:
    """filename contains finds the part anywhere in the (space-stripped) name, with eq too."""
    _upload(api, "march invoice.pdf", "acct-1")
    _upload(api, "loa.pdf", "acct-1")
    _upload(api, "april invoice.pdf", "acct-2")
    assert _names(api, {"filter[filename][contains]": "invoice"}) == [
        "aprilinvoice.pdf",
        "marchinvoice.pdf",
    ]
    both = {"filter[filename][contains]": "invoice", "filter[customer_reference][eq]": "acct-1"}
    assert _names(api, both) == ["marchinvoice.pdf"]


def test_a_lost_upload_is_found_by_reference_and_sha256_in_one_page(api: TestClient) -> None:
    """Among many documents, the reference filter gives one short page holding the file's hash."""
    for index in range(30):
        _upload(api, f"other-{index}.pdf", f"batch-9:g{index}", PDF + str(index).encode())
    lost = _upload(api, "loa.pdf", "batch-9:g7:loa")
    answer = api.get(
        "/documents", params={"filter[customer_reference][eq]": "batch-9:g7:loa"}
    ).json()
    assert answer["meta"]["total_results"] == 1
    [found] = answer["data"]
    assert found["id"] == lost["id"]
    assert found["sha256"] == hashlib.sha256(PDF).hexdigest()


def test_documents_are_listed_newest_first_unless_sorted(api: TestClient) -> None:
    """By default the newest document comes first, as the spec says; sort changes it."""
    sim = api.app.state.sim  # type: ignore[attr-defined]
    for name in ("b.pdf", "a.pdf", "c.pdf"):
        _upload(api, name, "r")
        sim.advance(60)
    assert _names(api, {}) == ["c.pdf", "a.pdf", "b.pdf"]
    assert _names(api, {"sort": "created_at"}) == ["b.pdf", "a.pdf", "c.pdf"]
    assert _names(api, {"sort": "filename"}) == ["a.pdf", "b.pdf", "c.pdf"]


def test_created_at_bounds_keep_documents_strictly_between_them(api: TestClient) -> None:
    """filter[created_at][gt] and [lt] keep documents made after and before the bounds."""
    sim = api.app.state.sim  # type: ignore[attr-defined]
    made = []
    for name in ("first.pdf", "second.pdf", "third.pdf"):
        made.append(_upload(api, name, "r"))
        sim.advance(60)
    window = {
        "filter[created_at][gt]": made[0]["created_at"],
        "filter[created_at][lt]": made[2]["created_at"],
    }
    assert _names(api, window) == ["second.pdf"]
    bad = api.get("/documents", params={"filter[created_at][gt]": "yesterday"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["source"] == {"parameter": "filter[created_at][gt]"}


@pytest.mark.parametrize(
    "parameter",
    [
        "filter[customer_reference]",
        "filter[filename]",
        "filter[filename][eq]",
        "filter[sha256]",
        "filter[created_at][gte]",
    ],
)
def test_filters_the_spec_does_not_declare_are_refused(api: TestClient, parameter: str) -> None:
    """An undeclared filter is a 422 naming it, never silently ignored (it would list all)."""
    _upload(api, "loa.pdf", "r")
    answer = api.get("/documents", params={parameter: "r"})
    assert answer.status_code == 422
    [item] = answer.json()["errors"]
    assert item["source"] == {"parameter": parameter}
    assert "filter[customer_reference][eq]" in item["detail"]
