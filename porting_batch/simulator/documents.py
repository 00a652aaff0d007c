"""Documents: type sniffing, size limit, the antivirus stand-in, and links to orders."""

from __future__ import annotations

import hashlib
import json
import zipfile
from io import BytesIO
from typing import Any

from porting_batch.media import ZIP_MAGIC, image_or_pdf_type
from porting_batch.simulator.problems import error, unprocessable
from porting_batch.simulator.state import SimState

MAX_BYTES = 20 * 1024 * 1024
MAX_FILENAME = 512
EICAR = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"

EXTENSIONS = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "text/csv": "csv",
    "text/plain": "txt",
    "application/json": "json",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


def sniff(content: bytes, filename: str) -> str | None:
    """The MIME type of an accepted file, from its bytes (and its name for text and OLE)."""
    lower = filename.lower()
    known = image_or_pdf_type(content)
    if known:
        return known
    if content.startswith(ZIP_MAGIC):
        try:
            names = zipfile.ZipFile(BytesIO(content)).namelist()
        except zipfile.BadZipFile:
            return None
        if any(name.startswith("word/") for name in names):
            return EXTENSIONS_BY_EXT["docx"]
        if any(name.startswith("xl/") for name in names):
            return EXTENSIONS_BY_EXT["xlsx"]
        return None
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/vnd.ms-excel" if lower.endswith(".xls") else "application/msword"
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    if lower.endswith(".json"):
        try:
            json.loads(text)
        except ValueError:
            return None
        return "application/json"
    if lower.endswith(".csv"):
        return "text/csv"
    if lower.endswith(".txt") or not lower.rpartition(".")[1]:
        return "text/plain"
    return None


EXTENSIONS_BY_EXT = {ext: mime for mime, ext in EXTENSIONS.items()}


def clean_filename(filename: str, content_type: str) -> str:
    """Spaces stripped and the extension of the detected type appended when missing."""
    name = "".join(ch for ch in filename if ch.isprintable() and ch != " ") or "document"
    extension = EXTENSIONS[content_type]
    if not name.lower().endswith("." + extension):
        name = f"{name}.{extension}"
    return name[:MAX_FILENAME]


def create_document(
    state: SimState, content: bytes, filename: str, customer_reference: str | None
) -> dict[str, Any]:
    """Check and keep an uploaded file; 422 when too large or of a refused type."""
    if len(content) > MAX_BYTES:
        raise unprocessable(
            [
                error(
                    "10015",
                    f"The file is {len(content)} bytes; the limit is 20 MB.",
                    pointer="/file",
                )
            ]
        )
    if not content:
        raise unprocessable([error("10015", "The file is empty.", pointer="/file")])
    if len(filename) > MAX_FILENAME:
        raise unprocessable(
            [error("10015", "The filename is longer than 512 characters.", pointer="/filename")]
        )
    content_type = sniff(content, filename)
    if content_type is None:
        raise unprocessable(
            [
                error(
                    "80022",
                    "The file type is not accepted; send PDF, PNG, JPEG, CSV, TXT, JSON, "
                    "DOC/DOCX or XLS/XLSX.",
                    pointer="/file",
                )
            ]
        )
    infected = EICAR in content
    now = state.now_iso()
    document_id = state.new_id()
    document: dict[str, Any] = {
        "id": document_id,
        "record_type": "document",
        "filename": clean_filename(filename, content_type),
        "customer_reference": customer_reference or "",
        "content_type": content_type,
        "sha256": hashlib.sha256(content).hexdigest(),
        "size": {"amount": len(content), "unit": "bytes"},
        "status": "denied" if infected else "pending",
        "av_scan_status": "infected" if infected else "scanned",
        "created_at": now,
        "updated_at": now,
    }
    state.store.put("documents", document)
    state.store.put_blob(document_id, content)
    return document


def linked_orders(state: SimState, document_id: str) -> list[str]:
    """Ids of orders that use the document (as LOA, invoice, or additional document)."""
    ids = [
        order["id"]
        for order in state.store.all("orders")
        if document_id in (order["documents"]["loa"], order["documents"]["invoice"])
        or any(req["field_value"] == document_id for req in order["requirements"])
    ]
    ids += [
        extra["porting_order_id"]
        for extra in state.store.all("additional_documents")
        if extra["document_id"] == document_id
    ]
    return ids


def delete_document(state: SimState, document: dict[str, Any]) -> dict[str, Any]:
    """Delete an unlinked document; a linked one is a 422."""
    linked = linked_orders(state, document["id"])
    if linked:
        raise unprocessable(
            [
                error(
                    "10015",
                    f"The document is linked to porting order {linked[0]} and cannot be deleted.",
                    pointer="/",
                )
            ]
        )
    state.store.delete("documents", document["id"])
    state.store.delete_blob(document["id"])
    return document
