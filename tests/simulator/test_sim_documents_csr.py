"""Documents (multipart and base64 JSON, types, size, links) and customer service records."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from starlette.testclient import TestClient

from porting_batch.simulator import create_app

from .conftest import frozen_config, lenient_config, sim_client
from .helpers import PDF, SLOW_NUMBERS, create, upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    return buffer.getvalue()


def test_json_upload_with_base64_file_round_trips_through_download(api: TestClient) -> None:
    """A base64 JSON upload is stored; retrieve shows its metadata, download its bytes."""
    response = api.post(
        "/documents",
        json={
            "file": base64.b64encode(PNG).decode(),
            "filename": "my invoice",
            "customer_reference": "c-1",
        },
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["content_type"] == "image/png"
    assert data["filename"] == "myinvoice.png"
    assert data["size"] == {"amount": len(PNG), "unit": "bytes"}
    assert api.get(f"/documents/{data['id']}").json()["data"]["sha256"] == data["sha256"]
    download = api.get(f"/documents/{data['id']}/download")
    assert download.content == PNG
    assert download.headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        pytest.param(PDF, "a.pdf", "application/pdf", id="pdf"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 8, "a.jpg", "image/jpeg", id="jpeg"),
        pytest.param(b"a,b\n1,2\n", "a.csv", "text/csv", id="csv"),
        pytest.param(b'{"a": 1}', "a.json", "application/json", id="json"),
        pytest.param(
            _docx(),
            "a.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            id="docx",
        ),
    ],
)
def test_accepted_types_are_detected_from_content(
    api: TestClient, content: bytes, name: str, expected: str
) -> None:
    """PDF, JPEG, CSV, JSON and DOCX are accepted and typed by their bytes."""
    response = api.post("/documents", files={"file": (name, content, "application/octet-stream")})
    assert response.status_code == 200
    assert response.json()["data"]["content_type"] == expected


def test_refused_type_and_oversize_files_are_422(api: TestClient) -> None:
    """An executable is 80022; a file over 20 MB is refused at /file."""
    exe = api.post("/documents", files={"file": ("a.exe", b"MZ\x90\x00\x03", "application/x")})
    assert exe.status_code == 422
    assert exe.json()["errors"][0]["code"] == "80022"
    big = PDF + b"0" * (20 * 1024 * 1024)
    too_big = api.post("/documents", files={"file": ("big.pdf", big, "application/pdf")})
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["source"]["pointer"] == "/file"


def test_linked_documents_cannot_be_deleted(api: TestClient) -> None:
    """A document used as an order's LOA is refused; once unlinked it deletes."""
    [order] = create(api, SLOW_NUMBERS)
    document_id = upload(api)
    api.patch(f"/porting_orders/{order['id']}", json={"documents": {"loa": document_id}})
    refused = api.delete(f"/documents/{document_id}")
    assert refused.status_code == 422
    assert order["id"] in refused.json()["errors"][0]["detail"]
    api.patch(f"/porting_orders/{order['id']}", json={"documents": {"loa": None}})
    assert api.delete(f"/documents/{document_id}").status_code == 200
    assert api.get(f"/documents/{document_id}").status_code == 404


def test_additional_documents_link_list_and_unlink(api: TestClient) -> None:
    """Additional documents are created, filtered by type, block deletion, and unlink."""
    [order] = create(api, SLOW_NUMBERS)
    csr_doc, other_doc = upload(api), upload(api, name="other.pdf")
    url = f"/porting_orders/{order['id']}/additional_documents"
    created = api.post(
        url,
        json={
            "additional_documents": [
                {"document_id": csr_doc, "document_type": "csr"},
                {"document_id": other_doc, "document_type": "other"},
            ]
        },
    )
    assert created.status_code == 201
    listed = api.get(url, params={"filter[document_type]": "csr"}).json()["data"]
    assert [d["document_id"] for d in listed] == [csr_doc]
    assert api.delete(f"/documents/{csr_doc}").status_code == 422
    bad = api.post(
        url, json={"additional_documents": [{"document_id": csr_doc, "document_type": "selfie"}]}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["source"]["pointer"] == "/additional_documents/0/document_type"
    assert api.delete(f"{url}/{listed[0]['id']}").status_code == 204
    assert api.delete(f"/documents/{csr_doc}").status_code == 200


def test_csr_coverage_reports_toll_free_as_uncovered(api: TestClient) -> None:
    """Local numbers are covered (with any extra data asked), toll-free ones are not."""
    response = api.post(
        "/customer_service_records/phone_number_coverages",
        json={"phone_numbers": ["+13125600101", "+18005550100"]},
    )
    assert response.status_code == 201
    local, toll_free = response.json()["data"]
    assert local["has_csr_coverage"] is True
    assert local["additional_data_required"] == ["account_number", "pin"]
    assert toll_free["has_csr_coverage"] is False


def test_csr_completes_after_the_delay_with_the_scenario_account() -> None:
    """A CSR is pending, then completed with the scenario's account data."""
    scenario = {
        "accounts": [
            {
                "numbers": ["+13125550105", "+13125550106"],
                "admin": {"entity_name": "Acme Widgets Inc.", "account_number": "A-77"},
                "location": {"street_address": "1 Main St", "locality": "Chicago"},
            }
        ]
    }
    app = create_app(frozen_config(scenario=scenario))
    with sim_client(app) as api:
        created = api.post("/customer_service_records", json={"phone_number": "+13125550105"})
        assert created.status_code == 201
        record = created.json()["data"]
        assert record["status"] == "pending"
        app.state.sim.advance(600)
        done = api.get(f"/customer_service_records/{record['id']}").json()["data"]
        assert done["status"] == "completed"
        assert done["result"]["admin"]["account_number"] == "A-77"
        assert done["result"]["associated_phone_numbers"] == ["+13125550105", "+13125550106"]
        listed = api.get("/customer_service_records").json()
        assert listed["meta"]["total_results"] == 1


def test_csr_for_documented_numbers_fails_with_not_available() -> None:
    """Without an account, numbers ending 0-3 fail with "CSR information not available".

    Lenient: in the realistic profile every portable number has a carrier record (R2)."""
    app = create_app(lenient_config())
    with sim_client(app) as api:
        record = api.post(
            "/customer_service_records", json={"phone_number": "+13125550102"}
        ).json()["data"]
        app.state.sim.advance(600)
        done = api.get(f"/customer_service_records/{record['id']}").json()["data"]
    assert done["status"] == "failed"
    assert done["error_message"] == "CSR information not available."
    assert done["result"] is None


def test_multipart_upload_keeps_every_byte(api: TestClient) -> None:
    """A multipart upload of binary content downloads byte for byte, reference included."""
    content = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4 + b"\r\n--not-a-boundary\r\n"
    response = api.post(
        "/documents",
        files={"file": ("scan.png", content, "image/png")},
        data={"customer_reference": "batch 9"},
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["customer_reference"] == "batch 9"
    assert api.get(f"/documents/{data['id']}/download").content == content


def test_documents_list_sorts_and_filters(api: TestClient) -> None:
    """GET /documents sorts by filename (either way) and filters by name and reference."""
    for name in ("b.pdf", "a.pdf", "c.pdf"):
        upload(api, name=name)
    names = [
        d["filename"] for d in api.get("/documents", params={"sort": "-filename"}).json()["data"]
    ]
    assert names == ["c.pdf", "b.pdf", "a.pdf"]
    found = api.get("/documents", params={"filter[filename][contains]": "b."}).json()["data"]
    assert [d["filename"] for d in found] == ["b.pdf"]
    assert api.get("/documents", params={"sort": "size"}).status_code == 422
