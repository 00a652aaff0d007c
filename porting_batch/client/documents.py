"""Documents: upload (never twice, when given a reference), find by reference and checksum,
list, read and download."""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import mimetypes
from contextlib import ExitStack
from os import PathLike
from pathlib import Path
from typing import Any

from porting_batch.client import retry
from porting_batch.client.base import MAX_PAGE_SIZE, BaseClient
from porting_batch.client.budget import Budget, OnSend, spending
from porting_batch.client.decode import one_of, parse_one
from porting_batch.client.models import Document
from porting_batch.client.query import encode_query
from porting_batch.errors import ApiError
from porting_batch.media import image_or_pdf_type

logger = logging.getLogger("porting_batch.client")

#: Bytes read from a file to recognise its type.
SNIFF_BYTES = 16
#: Most documents without a checksum in their metadata downloaded to compare bytes, per look-up.
MAX_HASHLESS_DOWNLOADS = 3


class DocumentsMixin(BaseClient):
    """The document calls of ``PortingClient``."""

    async def upload_document(
        self,
        content: bytes | str | PathLike[str],
        *,
        filename: str | None = None,
        customer_reference: str | None = None,
        on_send: OnSend | None = None,
    ) -> Document:
        """Upload a document as multipart/form-data; its type is detected from its bytes.

        ``content`` is the bytes themselves (``filename`` is then required), so what is sent is
        exactly what the caller checked; a ``Path`` is read once (its name is the default
        ``filename``). With a ``customer_reference``, an upload whose answer is lost is looked up
        (``find_document``: same reference, same SHA-256) and adopted rather than sent twice;
        uploads and look-ups share the call's budget of ``max_retries + 1`` failures.
        ``on_send`` runs once, right before the first upload goes on the wire.
        """
        if isinstance(content, str | PathLike):
            path = Path(content)
            filename = filename or path.name
            content = await asyncio.to_thread(path.read_bytes)
        if not filename:
            raise ValueError("upload_document needs a filename when given the content in memory")
        body = bytes(content)
        content_type = _content_type(body[:SNIFF_BYTES], filename)
        name = filename

        def files(stack: ExitStack) -> dict[str, Any]:
            # A fresh reader per attempt: a retry sends the same bytes from their start.
            return {"file": (name, io.BytesIO(body), content_type)}

        data_fields = {"customer_reference": customer_reference} if customer_reference else None
        digest = hashlib.sha256(body).hexdigest()
        budget = self._budget(on_send)
        while True:
            try:
                data = await self._call(
                    "POST",
                    "/documents",
                    files=files,
                    data=data_fields,
                    budget=budget,
                    envelope=one_of(Document),
                )
                return spending(budget, parse_one, data, Document, "POST", "/documents")
            except ApiError as error:
                if not customer_reference or not retry.is_ambiguous(error) or budget.left <= 0:
                    raise
                await self._settle(error, budget, "upload POST /documents")
                found = await self._recover(
                    error, self._find_document(customer_reference, digest, name, budget)
                )
                if found is not None:
                    logger.debug("upload POST /documents: adopted a document by reference and hash")
                    return found
                if budget.left <= 0:
                    raise error
                logger.debug("upload POST /documents: %s and nothing landed; retrying", error)
                self.stats.retries += 1

    async def find_document(
        self, customer_reference: str, sha256: str, filename: str | None = None
    ) -> Document | None:
        """The document uploaded with exactly ``customer_reference`` whose bytes have this
        SHA-256, or None.

        Only documents under that reference (and whose name contains ``filename``, if given)
        are listed. A candidate whose metadata lacks a checksum is downloaded and hashed, at most
        ``MAX_HASHLESS_DOWNLOADS`` of them.
        """
        return await self._find_document(customer_reference, sha256, filename, None)

    async def _find_document(
        self, customer_reference: str, sha256: str, filename: str | None, budget: Budget | None
    ) -> Document | None:
        wanted = sha256.lower()
        params = encode_query(
            {
                "filter": {
                    "customer_reference": {"eq": customer_reference},
                    "filename": {"contains": filename},
                }
            }
        )
        hashless: list[Document] = []
        async for document in self._paginate(
            "/documents", Document, params, MAX_PAGE_SIZE, budget=budget
        ):
            if document.customer_reference != customer_reference:
                continue
            if document.sha256 is None:
                hashless.append(document)
            elif document.sha256.lower() == wanted:
                return document
        for document in hashless[:MAX_HASHLESS_DOWNLOADS]:
            data = await self._call(
                "GET",
                "/documents/{id}/download",
                id=document.id,
                expect="bytes",
                accept="*/*",
                budget=budget,
            )
            if hashlib.sha256(data).hexdigest() == wanted:
                return document
        return None

    async def list_documents(
        self,
        *,
        customer_reference: str | None = None,
        filename_contains: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[Document]:
        """Uploaded documents, optionally by exact reference or part of the name; every page."""
        params = encode_query(
            {
                "filter": {
                    "customer_reference": {"eq": customer_reference},
                    "filename": {"contains": filename_contains},
                }
            }
        )
        return [d async for d in self._paginate("/documents", Document, params, page_size)]

    async def get_document(self, document_id: str) -> Document:
        """One document's metadata."""
        return await self._one("GET", "/documents/{id}", Document, id=document_id)

    async def download_document(self, document_id: str) -> bytes:
        """A document's raw bytes."""
        data = await self._call(
            "GET", "/documents/{id}/download", id=document_id, expect="bytes", accept="*/*"
        )
        assert isinstance(data, bytes)
        return data


def detect_content_type(path: Path) -> str:
    """A file's media type: from its first bytes when recognisable, else from its name."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    return _content_type(head, path.name)


def _content_type(head: bytes, filename: str) -> str:
    known = image_or_pdf_type(head)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or "application/octet-stream"
