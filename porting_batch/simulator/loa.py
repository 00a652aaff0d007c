"""A small, valid PDF letter of authorization listing the order's numbers and end user."""

from __future__ import annotations

from typing import Any

_LINES_PER_PAGE = 48


def _escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def loa_lines(order: dict[str, Any], numbers: list[str]) -> list[str]:
    """The text of the LOA, one entry per line."""
    admin = order["end_user"]["admin"]
    location = order["end_user"]["location"]
    address = ", ".join(
        str(location[key])
        for key in (
            "street_address",
            "extended_address",
            "locality",
            "administrative_area",
            "postal_code",
            "country_code",
        )
        if location.get(key)
    )
    lines = [
        "LETTER OF AUTHORIZATION",
        "",
        f"Porting order: {order['id']}",
        f"Current carrier: {order['old_service_provider_ocn']}",
        f"Entity name: {admin.get('entity_name') or ''}",
        f"Authorized person: {admin.get('auth_person_name') or ''}",
        f"Billing telephone number: {admin.get('billing_phone_number') or ''}",
        f"Service address: {address}",
        "",
        "I authorize Telnyx to port the following telephone numbers:",
    ]
    lines += [f"  {number}" for number in numbers]
    lines += ["", "Signature: ______________________    Date: ____________"]
    return lines


def render_pdf(lines: list[str]) -> bytes:
    """A minimal PDF 1.4 document (Helvetica, A4 pages) showing ``lines``."""
    pages = [
        lines[start : start + _LINES_PER_PAGE] for start in range(0, len(lines), _LINES_PER_PAGE)
    ] or [[]]
    objects: list[bytes] = []
    page_ids = [4 + 2 * index for index in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for index, page_lines in enumerate(pages):
        content_id = page_ids[index] + 1
        objects.append(
            (
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
            ).encode()
        )
        text = ["BT", "/F1 11 Tf", "14 TL", "56 790 Td"]
        text += [f"({_escape(line)}) Tj T*" for line in page_lines]
        text.append("ET")
        stream = "\n".join(text).encode("latin-1")
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
