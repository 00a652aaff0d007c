"""Media types from magic bytes, shared by the client and the simulator."""

from __future__ import annotations

import pytest

from porting_batch.media import ZIP_MAGIC, image_or_pdf_type


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        (b"\xff\xd8\xff\xe0", "image/jpeg"),
        (ZIP_MAGIC + b"\x14\x00", None),
        (b"%PD", None),
        (b"", None),
    ],
)
def test_image_or_pdf_type_reads_the_first_bytes(head: bytes, expected: str | None) -> None:
    """PDF, PNG and JPEG are known by their signature; anything else, truncated included, is not."""
    assert image_or_pdf_type(head) == expected
