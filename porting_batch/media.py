"""What a file is, from its first bytes: the magic numbers the pipeline and simulator check."""

from __future__ import annotations

__all__ = ["PDF_MAGIC", "ZIP_MAGIC", "image_or_pdf_type"]

PDF_MAGIC = b"%PDF-"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
#: Every OOXML file (XLSX, DOCX) is a ZIP archive and starts with a local file header.
ZIP_MAGIC = b"PK\x03\x04"

_TYPES: tuple[tuple[bytes, str], ...] = (
    (PDF_MAGIC, "application/pdf"),
    (PNG_MAGIC, "image/png"),
    (JPEG_MAGIC, "image/jpeg"),
)


def image_or_pdf_type(content: bytes) -> str | None:
    """The media type of a PDF, PNG or JPEG from its bytes, or None for anything else."""
    for magic, media_type in _TYPES:
        if content.startswith(magic):
            return media_type
    return None
