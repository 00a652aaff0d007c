"""Asking the losing carrier for each account's CSR: coverage first, one request per account,
polled with back-off until it settles or the deadline passes, kept in the ledger.

Nothing here ends a run: an API failure, a refused or unsettled CSR is an outcome of its
account, reported by the caller. Completed CSRs are reused from the ledger on later runs
(unless refreshed); a CSR still pending at the deadline is polled again, by its id, next run.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from porting_batch.client.models import CsrAdditionalData, CsrCoverage, CustomerServiceRecord
from porting_batch.csr.compare import identifier
from porting_batch.csr.record import CarrierView, CsrStatus, view_of
from porting_batch.errors import PortingBatchError
from porting_batch.ledger.csr_store import CsrRow, CsrStore
from porting_batch.references import keyed_digest

#: Numbers per coverage call.
COVERAGE_CHUNK = 100
#: The first wait between polls, and the longest: carriers answer in minutes, not seconds.
FIRST_POLL_S = 2.0
MAX_POLL_S = 30.0

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@runtime_checkable
class CsrApi(Protocol):
    """The CSR calls of the Porting API (``PortingClient`` provides them)."""

    async def csr_coverage(self, phone_numbers: Sequence[str]) -> Sequence[CsrCoverage]: ...

    async def create_csr(
        self, phone_number: str, *, additional_data: CsrAdditionalData | None = None
    ) -> CustomerServiceRecord: ...

    async def get_csr(self, csr_id: str) -> CustomerServiceRecord: ...


@dataclass(frozen=True)
class CsrRequest:
    """One account's CSR to read: its BTN and the secrets the carrier may want."""

    btn: str
    account_number: str = ""
    pin: str = ""

    def cache_key(self, key: bytes) -> str:
        """A keyed hash of what the CSR is asked with: a changed sheet asks again."""
        return keyed_digest(key, f"csr|{self.btn}|{identifier(self.account_number)}|{self.pin}")


@dataclass(frozen=True)
class CsrOutcome:
    """Where one account's CSR ended up, and (completed) what the carrier has."""

    status: CsrStatus
    view: CarrierView | None = None
    detail: str = ""
    cached: bool = False


@dataclass
class _Asked:
    request: CsrRequest
    cache_key: str
    csr_id: str = ""
    wanted: tuple[str, ...] = ()


@dataclass
class Waiting:
    """How polling waits: injected so tests run on virtual time."""

    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic


async def fetch_csrs(
    api: CsrApi,
    store: CsrStore,
    requests: Sequence[CsrRequest],
    *,
    key: bytes,
    deadline_s: float,
    refresh: bool = False,
    waiting: Waiting | None = None,
) -> dict[CsrRequest, CsrOutcome]:
    """Each request's outcome: from the ledger when it holds a completed CSR, else asked for."""
    waiting = waiting or Waiting()
    started = waiting.clock()
    outcomes: dict[CsrRequest, CsrOutcome] = {}
    keys = {r: r.cache_key(key) for r in dict.fromkeys(requests)}
    kept = {} if refresh else store.csr_rows(keys.values())
    fresh: list[_Asked] = []
    resumed: list[_Asked] = []
    for request, cache_key in keys.items():
        row = kept.get(cache_key)
        if row is not None and row.status == CsrStatus.COMPLETED:
            view = CarrierView.from_json(row.view_json)
            outcomes[request] = CsrOutcome(CsrStatus.COMPLETED, view, cached=True)
        elif row is not None and row.status == CsrStatus.PENDING and row.csr_id:
            resumed.append(_Asked(request, cache_key, row.csr_id))
        else:
            fresh.append(_Asked(request, cache_key))
    await _cover(api, fresh, outcomes)
    await _create(api, [a for a in fresh if a.request not in outcomes], outcomes)
    asked = [a for a in [*resumed, *fresh] if a.csr_id and a.request not in outcomes]
    await _poll(api, asked, outcomes, key, deadline_s - (waiting.clock() - started), waiting)
    _save(store, [*resumed, *fresh], outcomes)
    return outcomes


async def _cover(api: CsrApi, asked: list[_Asked], outcomes: dict[CsrRequest, CsrOutcome]) -> None:
    """One coverage call per chunk of BTNs: numbers without coverage are not asked for."""
    by_btn: dict[str, list[_Asked]] = {}
    for item in asked:
        by_btn.setdefault(item.request.btn, []).append(item)
    btns = list(by_btn)

    async def one(chunk: list[str]) -> None:
        try:
            answers = await api.csr_coverage(chunk)
        except PortingBatchError as exc:
            for btn in chunk:
                for item in by_btn[btn]:
                    detail = f"the CSR coverage check failed: {exc}"
                    outcomes[item.request] = CsrOutcome(CsrStatus.FAILED, detail=detail)
            return
        for answer in answers:
            for item in by_btn.get(answer.phone_number, []):
                if not answer.has_csr_coverage:
                    detail = answer.reason or "the losing carrier offers no CSR for this number"
                    outcomes[item.request] = CsrOutcome(CsrStatus.NOT_COVERED, detail=detail)
                else:
                    item.wanted = tuple(answer.additional_data_required)

    chunks = [btns[i : i + COVERAGE_CHUNK] for i in range(0, len(btns), COVERAGE_CHUNK)]
    await asyncio.gather(*(one(c) for c in chunks))


def _additional(item: _Asked) -> CsrAdditionalData | None:
    """Only the secrets the carrier asked for, and only those the sheet gives."""
    data: dict[str, str] = {}
    if "account_number" in item.wanted and item.request.account_number:
        data["account_number"] = item.request.account_number
    if "pin" in item.wanted and item.request.pin:
        data["pin"] = item.request.pin
    return CsrAdditionalData.model_validate(data) if data else None


async def _create(api: CsrApi, asked: list[_Asked], outcomes: dict[CsrRequest, CsrOutcome]) -> None:
    """One CSR request per account, all at once (the client paces them)."""

    async def one(item: _Asked) -> None:
        try:
            made = await api.create_csr(item.request.btn, additional_data=_additional(item))
        except PortingBatchError as exc:
            outcomes[item.request] = CsrOutcome(CsrStatus.FAILED, detail=f"CSR request: {exc}")
            return
        item.csr_id = made.id

    await asyncio.gather(*(one(item) for item in asked))


def _settled(record: CustomerServiceRecord, key: bytes) -> CsrOutcome | None:
    if record.status == "completed":
        return CsrOutcome(CsrStatus.COMPLETED, view_of(record, key))
    if record.status == "failed":
        detail = record.error_message or "the losing carrier did not release the CSR"
        return CsrOutcome(CsrStatus.FAILED, detail=detail)
    return None


async def _poll(
    api: CsrApi,
    asked: list[_Asked],
    outcomes: dict[CsrRequest, CsrOutcome],
    key: bytes,
    left_s: float,
    waiting: Waiting,
) -> None:
    """Poll every unsettled CSR, with back-off, until all settle or ``left_s`` runs out."""
    end = waiting.clock() + max(left_s, 0.0)
    delay = FIRST_POLL_S

    async def one(item: _Asked) -> None:
        try:
            record = await api.get_csr(item.csr_id)
        except PortingBatchError:
            return  # polled again next round, or reported pending at the deadline
        settled = _settled(record, key)
        if settled is not None:
            outcomes[item.request] = settled

    waiting_on = list(asked)
    while waiting_on:
        await asyncio.gather(*(one(item) for item in waiting_on))
        waiting_on = [a for a in waiting_on if a.request not in outcomes]
        now = waiting.clock()
        if not waiting_on or now >= end:
            break
        await waiting.sleep(min(delay, end - now))
        delay = min(delay * 2, MAX_POLL_S)
    for item in waiting_on:
        outcomes[item.request] = CsrOutcome(
            CsrStatus.PENDING, detail=f"CSR {item.csr_id} not settled by the deadline"
        )


def _save(store: CsrStore, asked: list[_Asked], outcomes: dict[CsrRequest, CsrOutcome]) -> None:
    """Keep each asked account's CSR: completed ones to reuse, pending ones to poll again."""
    rows = []
    for item in asked:
        outcome = outcomes.get(item.request)
        if outcome is None or not item.csr_id:
            continue
        view = outcome.view.to_json() if outcome.view is not None else "{}"
        rows.append(CsrRow(item.cache_key, item.csr_id, outcome.status, view, outcome.detail))
    if rows:
        store.save_csr_rows(rows)
