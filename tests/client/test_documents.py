"""Documents: the bytes checked are the bytes uploaded, and a document that landed is found
again by reference and checksum instead of being uploaded twice."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from porting_batch.client import PortingClient
from porting_batch.client.documents import MAX_HASHLESS_DOWNLOADS

pytestmark = pytest.mark.anyio

MockClient = Callable[..., PortingClient]
PDF = b"%PDF-1.4\n" + b"invoice" * 200
PDF_SHA256 = hashlib.sha256(PDF).hexdigest()


def page(items: list[dict[str, Any]]) -> httpx.Response:
    """One list page that is also the last."""
    meta = {"page_number": 1, "page_size": 250, "total_pages": 1, "total_results": len(items)}
    return httpx.Response(200, json={"data": items, "meta": meta})


def document_json(
    doc_id: str, *, reference: str = "ref-1", sha256: str | None = PDF_SHA256, size: int = 0
) -> dict[str, Any]:
    """A document as the API lists it."""
    return {
        "id": doc_id,
        "filename": "invoice.pdf",
        "customer_reference": reference,
        "sha256": sha256,
        "size": {"amount": size or len(PDF), "unit": "bytes"},
    }


async def test_upload_sends_the_bytes_given_in_memory(mock_client: MockClient) -> None:
    """Content given as bytes goes out as is, under the given name, with its detected type."""
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(request.read())
        return httpx.Response(200, json={"data": document_json("d-1")})

    async with mock_client(handler) as client:
        document = await client.upload_document(
            PDF, filename="invoice.pdf", customer_reference="ref-1"
        )
    assert document.id == "d-1"
    assert b'name="file"; filename="invoice.pdf"' in bodies[0]
    assert b"Content-Type: application/pdf" in bodies[0]
    assert PDF in bodies[0]
    assert b'name="customer_reference"\r\n\r\nref-1' in bodies[0]


async def test_upload_of_bytes_without_a_filename_is_refused(mock_client: MockClient) -> None:
    """Bytes carry no name, so the caller must give one; nothing is sent without it."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"data": document_json("d-1")})

    async with mock_client(handler) as client:
        with pytest.raises(ValueError, match="filename"):
            await client.upload_document(PDF)
    assert seen == []


async def test_upload_from_a_path_reads_the_file_once_for_every_attempt(
    mock_client: MockClient, tmp_path: Path
) -> None:
    """A file that changes on disk between two attempts is still sent as first read."""
    path = tmp_path / "invoice.pdf"
    path.write_bytes(PDF)
    posts: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return page([])
        posts.append(request.read())
        if len(posts) == 1:
            path.write_bytes(b"%PDF-1.4\nsomething else entirely")
            return httpx.Response(503, json={"errors": []})
        return httpx.Response(200, json={"data": document_json("d-1")})

    async with mock_client(handler) as client:
        await client.upload_document(path, customer_reference="ref-1")
    assert len(posts) == 2
    assert all(PDF in body for body in posts)
    assert all(b'filename="invoice.pdf"' in body for body in posts)


async def test_upload_that_did_not_land_is_sent_again_once(mock_client: MockClient) -> None:
    """After a 503 and no document with the reference and checksum, the upload is resent."""
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        methods.append(request.method)
        if request.method == "GET":
            return page([document_json("other", sha256="0" * 64)])
        if methods.count("POST") == 1:
            return httpx.Response(503, json={"errors": []})
        return httpx.Response(200, json={"data": document_json("d-2")})

    async with mock_client(handler) as client:
        document = await client.upload_document(
            PDF, filename="invoice.pdf", customer_reference="ref-1"
        )
    assert document.id == "d-2"
    assert methods == ["POST", "GET", "POST"]


async def test_find_document_lists_with_narrow_filters_and_matches_the_checksum(
    mock_client: MockClient,
) -> None:
    """Only documents under the exact reference and name are listed; the one whose SHA-256
    matches is returned, never a look-alike."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return page(
            [
                document_json("wrong-hash", sha256="f" * 64),
                document_json("wrong-reference", reference="ref-10"),
                document_json("right", sha256=PDF_SHA256.upper()),
            ]
        )

    async with mock_client(handler) as client:
        found = await client.find_document("ref-1", PDF_SHA256, "invoice.pdf")
        missing = await client.find_document("ref-1", "a" * 64)
    assert found is not None and found.id == "right"
    assert missing is None
    params = seen[0].url.params
    assert params["filter[customer_reference][eq]"] == "ref-1"
    assert params["filter[filename][contains]"] == "invoice.pdf"
    assert "filter[filename][contains]" not in seen[1].url.params


async def test_find_document_downloads_only_a_few_candidates_without_a_checksum(
    mock_client: MockClient,
) -> None:
    """Candidates whose metadata has no checksum are downloaded and hashed, at most
    MAX_HASHLESS_DOWNLOADS of them."""
    downloads: list[str] = []
    candidates = [document_json(f"d-{i}", sha256=None) for i in range(MAX_HASHLESS_DOWNLOADS + 2)]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/download"):
            downloads.append(request.url.path)
            is_ours = request.url.path.endswith("/d-1/download")
            return httpx.Response(200, content=PDF if is_ours else b"other bytes")
        return page(candidates)

    async with mock_client(handler) as client:
        found = await client.find_document("ref-1", PDF_SHA256)
        assert found is not None and found.id == "d-1"
        downloads.clear()
        assert await client.find_document("ref-1", "b" * 64) is None
    assert len(downloads) == MAX_HASHLESS_DOWNLOADS
