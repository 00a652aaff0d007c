"""The LOA and invoice files a batch names: inside its folder, a PDF/PNG/JPEG of 1 B..20 MB."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from porting_batch.issues import Severity
from porting_batch.media import image_or_pdf_type
from porting_batch.validation.collector import Rules, row_ranges

#: Telnyx's limit for one uploaded document.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
_KINDS = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}
_DOCUMENT_COLUMNS = (("loa_file", "LOA"), ("invoice_file", "invoice"))


@dataclass(frozen=True)
class DocumentCheck:
    """A loa_file / invoice_file cell checked: the file's absolute path, or what is wrong."""

    path: Path | None = None
    kind: str = ""  # "PDF", "PNG", "JPEG"
    code: str = ""
    message: str = ""
    hint: str = ""


def check_document(text: str, folder: Path) -> DocumentCheck:
    """A document named relative to the batch folder (``folder``, resolved): inside it,
    PDF/PNG/JPEG, 1 B..20 MB."""
    try:
        return _check_document(text, folder)
    except (OSError, ValueError) as exc:  # unreadable, a NUL in the name, a name too long
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return DocumentCheck(
            code="file_unreadable",
            message=f"the file cannot be read ({reason})",
            hint="check the name, and that the file can be opened by this user",
        )


def _check_document(text: str, folder: Path) -> DocumentCheck:
    candidate = Path(text.replace("\\", "/"))
    target = candidate if candidate.is_absolute() else folder / candidate
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError):
        resolved = target
    if not resolved.is_relative_to(folder):
        return DocumentCheck(
            code="file_outside_batch",
            message="the path leads out of the spreadsheet's folder",
            hint="put the file next to the spreadsheet (or in a folder below it) and give its name",
        )
    if resolved.is_dir():
        return DocumentCheck(
            code="file_unreadable",
            message="the name is a folder, not a file",
            hint="give the document's file name (including .pdf), not its folder",
        )
    if not resolved.is_file():
        return DocumentCheck(
            code="file_missing",
            message=f"no such file in {folder}",
            hint="check the file name (including .pdf) and that the file is in that folder",
        )
    return _check_content(resolved)


def _check_content(resolved: Path) -> DocumentCheck:
    """An existing file judged by its size and its first bytes, not its name."""
    size = resolved.stat().st_size
    if size == 0:
        return DocumentCheck(
            code="file_empty",
            message="the file is empty (0 bytes)",
            hint="export or scan the document again",
        )
    if size > MAX_DOCUMENT_BYTES:
        return DocumentCheck(
            code="file_too_large",
            message=f"the file is {size / 1024 / 1024:.1f} MB; Telnyx accepts at most 20 MB",
            hint="reduce it (scan at a lower resolution, or print to PDF again)",
        )
    with resolved.open("rb") as handle:
        head = handle.read(16)
    media_type = image_or_pdf_type(head)
    if media_type is not None:
        return DocumentCheck(path=resolved, kind=_KINDS[media_type])
    return DocumentCheck(
        code="file_type",
        message="the file is not a PDF, PNG or JPEG (judged by its content, not its name)",
        hint="save or print the document as PDF",
    )


def _relative(check: DocumentCheck, folder: Path) -> str:
    """A checked document's path inside the batch folder, with '/' (stable across machines)."""
    assert check.path is not None
    return check.path.relative_to(folder).as_posix()


def check_documents(rules: Rules) -> None:
    """Check each distinct document name once; good ones become paths inside the folder."""
    # Resolved once for the batch's thousands of names, not once per name.
    folder = rules.folder.resolve()
    for name, label in _DOCUMENT_COLUMNS:
        column = rules.columns[name]
        checks = {text: check_document(text, folder) for text in set(column) if text}
        if all(check.path is not None for check in checks.values()):
            paths = {text: _relative(check, folder) for text, check in checks.items()}
            rules.columns[name] = [paths.get(text, text) for text in column]
            continue
        for position, text in enumerate(column):
            if not text:
                continue
            check = checks[text]
            if check.path is None:
                rules.report(
                    position,
                    [
                        (
                            Severity.ERROR,
                            check.code,
                            name,
                            f"{label} file: {check.message}",
                            check.hint,
                        )
                    ],
                )
            else:
                column[position] = _relative(check, folder)


def check_missing_documents(rules: Rules) -> None:
    """One warning per document column for the rows that name no file (drafts only)."""
    for name, label in _DOCUMENT_COLUMNS:
        empty = [rules.rows[p].row for p, v in enumerate(rules.columns[name]) if not v]
        if not empty:
            continue
        first = next(row for row in rules.rows if row.row == empty[0])
        rules.add(
            Severity.WARNING,
            f"no_{name.removesuffix('_file')}",
            first,
            name,
            f"{row_ranges(empty)} name no {label} file: their orders can be created as "
            "drafts but not confirmed",
            f"put the {label} next to the spreadsheet and give its file name in {name}",
            value="",
        )
