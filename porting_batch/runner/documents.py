"""A group's documents: each distinct file hashed once (at intake), uploaded once per ledger,
and found again, not sent twice, after an upload whose answer was lost.

Only the bytes checked at intake are ever sent: a file gone, changed, unreadable or turned into
a link out of the spreadsheet's folder since then is refused, an error for the operator.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from porting_batch.errors import (
    ApiError,
    NoResponseError,
    PortingBatchError,
    ServerError,
    UnprocessableEntityError,
)
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import Ledger
from porting_batch.plan import OrderGroup
from porting_batch.runner.api import PortingApi
from porting_batch.runner.intents import Intent, Recorded
from porting_batch.runner.state import DOCUMENT_KINDS, RunState, shown_value


class DocumentsGone(PortingBatchError):
    """Telnyx no longer holds documents the ledger uploaded: an upload no order uses is deleted
    after 30 minutes (its draft order deleted, say). They are uploaded again."""

    def __init__(self, document_ids: Sequence[str]) -> None:
        super().__init__(f"document(s) no longer at Telnyx: {', '.join(document_ids)}")
        self.document_ids = tuple(document_ids)


def gone_documents(exc: UnprocessableEntityError, documents: Mapping[str, str]) -> list[str]:
    """The ids among ``documents`` (kind -> id) that a refused PATCH says do not exist."""
    gone = []
    for item in exc.errors:
        kind = (item.pointer or "").removeprefix("/documents/")
        text = (item.detail or item.title).lower()
        if kind in documents and ("not exist" in text or "not found" in text):
            gone.append(documents[kind])
    return gone


@dataclass(frozen=True)
class Refusal:
    """A document the run will not upload, and why (an operator's problem, not the API's)."""

    column: str
    code: str
    message: str
    hint: str


class Documents:
    """The run's documents: which are uploaded, refused or failed, by SHA-256."""

    def __init__(
        self, ledger: Ledger, api: PortingApi, state: RunState, recorded: Recorded
    ) -> None:
        self.ledger = ledger
        self.api = api
        self.state = state
        self.recorded = recorded
        self._locks: dict[str, asyncio.Lock] = {}
        self._ids: dict[str, str] = {}
        self._refused: dict[str, Refusal] = {}
        self._failed: dict[str, PortingBatchError] = {}
        # Resolved once: each upload still resolves its own file, but not the folder again.
        self._folder = state.path.parent.resolve()

    async def for_group(self, group: OrderGroup) -> tuple[dict[str, str], list[Refusal]]:
        """The group's LOA and invoice ids, and the documents refused because they are no
        longer the files checked at intake. API failures propagate."""
        ids: dict[str, str] = {}
        refusals: list[Refusal] = []
        for kind, column in DOCUMENT_KINDS:
            name = group.fields.get(column, "")
            if not name:
                continue
            found = await self._document_id(name, column)
            if isinstance(found, Refusal):
                refusals.append(found)
            else:
                ids[kind] = found
        return ids, refusals

    def forget(self, document_ids: Sequence[str]) -> None:
        """Stop reusing these ids (gone at Telnyx): the next ``for_group`` uploads their files
        again, and the ledger records the new ids over them. An id another group has already
        replaced is left replaced."""
        gone = set(document_ids)
        for known in (self._ids, self.recorded.documents):
            for digest in [d for d, document_id in known.items() if document_id in gone]:
                del known[digest]

    async def _document_id(self, name: str, column: str) -> str | Refusal:
        digest = self.state.document_digests.get(name)
        if digest is None:
            return Refusal(
                column,
                "file_unreadable",
                f"{name}: the file could not be read when the batch was checked",
                "check that the file is there and readable, then run the file again",
            )
        async with self._locks.setdefault(digest, asyncio.Lock()):
            if digest in self._ids:
                return self._ids[digest]
            if digest in self._refused:
                return dataclasses.replace(self._refused[digest], column=column)
            if digest in self._failed:
                # One document, one set of attempts per run: the client already retried it.
                raise self._failed[digest]
            known = self.recorded.documents.get(digest)
            if known is None:
                try:
                    found = await self._upload_once(name, column, digest)
                except PortingBatchError as exc:
                    self._failed[digest] = exc
                    raise
                if isinstance(found, Refusal):
                    self._refused[digest] = found
                    return found
                known = found
            self._ids[digest] = known
            return known

    async def _upload_once(self, name: str, column: str, digest: str) -> str | Refusal:
        """Upload the document's checked bytes, unless an earlier run's upload landed."""
        batch_id, filename = self.state.batch_id, Path(name).name
        in_doubt = []
        if digest in self.recorded.open_intents:
            in_doubt = self.ledger.open_intents_for(batch_id, digest, kinds=("upload",))
        if in_doubt:
            found = await self.api.find_document(batch_id, digest, filename)
            landed = str(found.id) if found is not None else ""
            for open_intent in in_doubt:
                self.ledger.settle_intent(
                    open_intent["intent_id"], "done" if landed else "unknown", landed
                )
            if landed:
                self.ledger.save_document(digest, landed, filename)
                return landed
        content = read_checked(self._folder, name, column, digest)
        if isinstance(content, Refusal):
            return content
        intent = Intent(self.ledger, batch_id, "upload", digest)
        try:
            document = await self.api.upload_document(
                content, filename=filename, customer_reference=batch_id, on_send=intent.record
            )
        except ApiError as exc:
            if not isinstance(exc, NoResponseError | ServerError):
                intent.settle("failed", str(exc))
            raise
        document_id = str(document.id)
        intent.settle("done", document_id, document=(digest, document_id, filename))
        return document_id


def read_checked(folder: Path, name: str, column: str, digest: str) -> bytes | Refusal:
    """The document's bytes, read once, if they are still the bytes checked at intake
    (``folder``, the spreadsheet's, already resolved)."""
    try:
        resolved = (folder / name).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        return Refusal(
            column,
            "file_missing",
            f"{name}: the file is gone since the batch was checked ({exc})",
            "put the file back next to the spreadsheet and run the file again",
        )
    if not resolved.is_relative_to(folder):
        return Refusal(
            column,
            "file_outside_batch",
            f"{name}: the file now leads out of the spreadsheet's folder (to {resolved}); "
            "it was not uploaded",
            "replace the link with the document itself and run the file again",
        )
    try:
        fd = os.open(resolved, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            content = handle.read()
    except OSError as exc:
        return Refusal(
            column,
            "file_unreadable",
            f"{name}: the file cannot be read ({exc.strerror or exc})",
            "check that the file can be opened by this user and run the file again",
        )
    if hashlib.sha256(content).hexdigest() != digest:
        return Refusal(
            column,
            "file_changed",
            f"{name}: the file changed after the batch was checked; it was not uploaded",
            "run the file again so the new document is checked before it is sent",
        )
    return content


def refusal_issues(group: OrderGroup, refusals: Sequence[Refusal]) -> list[Issue]:
    """A refused document is the operator's to fix: an error on each of the group's rows."""
    return [
        Issue(
            severity=Severity.ERROR,
            message=refusal.message,
            hint=refusal.hint,
            sheet=row.sheet,
            row=row.row,
            column=refusal.column,
            column_letter=row.letter(refusal.column),
            value=shown_value(row, refusal.column),
            code=refusal.code,
            source="documents",
        )
        for refusal in refusals
        for row in group.rows
    ]
