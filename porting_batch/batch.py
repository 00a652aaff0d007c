"""Running one spreadsheet: intake, portability checks, plan, orders, and the result.

The steps are methods of :class:`BatchRun` so that the Prefect flow can run each as a task, and
:func:`run_batch` chains the same steps without Prefect (the command line, tests and benchmarks
use it). Every remote write goes through the ledger first, so that a re-run, after a crash, an
edit or by mistake, never creates a second order for a number and never loses a row. Retries
and the recovery of lost answers belong to the client; the runner sends each write once.

When is a run complete? Every number must have *reached* its outcome
(:attr:`porting_batch.outcomes.Outcome.is_final`): ``invalid_input``, ``duplicate``,
``not_portable``, ``already_in_order``, ``needs_attention`` (Telnyx refused the operator's data,
or the file changed under a submitted order: the operator acts), ``ready_as_draft`` (a complete
draft; with ``--confirm`` only when its confirmation is held because the requested FOC lies
beyond the windows Telnyx offers today), ``confirmed``, and ``planned`` in a dry run. An API
failure (5xx, timeout, lost connection after the client's retries) is never an outcome: the
numbers it stopped are ``not_processed``, the run is incomplete, and the next run retries them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from porting_batch.batch_lock import hold_batch
from porting_batch.errors import (
    ApiError,
    IntakeError,
    LedgerError,
    NoResponseError,
    PortingBatchError,
    ServerError,
    UnprocessableEntityError,
)
from porting_batch.files import file_sha256
from porting_batch.foc import FocChoice, FocPolicy, FocReason, Window, choose_foc
from porting_batch.intake import InputRow, Intake, read_batch, second_pass
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import Ledger, NumberRecord, OrderRecord
from porting_batch.order_numbers import NUMBERS_SHOWN, all_numbers, holds_more_than_shown
from porting_batch.order_patch import build_patch, column_for_pointer
from porting_batch.outcomes import Outcome
from porting_batch.plan import Answer, OrderGroup, Plan, build_plan, compare_split
from porting_batch.progress import ProgressCallback, ProgressEvent, ignore_progress
from porting_batch.references import reference_key
from porting_batch.results import BatchResult, NumberResult, OrderResult
from porting_batch.settings import Settings

logger = logging.getLogger("porting_batch.batch")

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
DOCUMENT_KINDS = (("loa", "loa_file"), ("invoice", "invoice_file"))
#: Order statuses in which the order's data may still be changed by a PATCH.
EDITABLE_STATUSES = frozenset({"draft"})
#: Attention that tracking owns (an order in ``exception``): only tracking clears it.
EXCEPTION_PREFIX = "exception:"
#: Attention left by a refused confirm: cleared once the order is no longer a draft.
CONFIRM_PREFIX = "confirm"
_BLOCK = 1 << 20


class PortingApi(Protocol):
    """The calls the runner makes; ``porting_batch.client.PortingClient`` provides them."""

    async def check_portability(self, numbers: Sequence[str]) -> Sequence[Any]: ...

    async def create_orders(
        self,
        phone_numbers: Sequence[str],
        *,
        customer_reference: str,
        customer_group_reference: str | None = None,
        on_send: Callable[[], None] | None = None,
    ) -> Sequence[Any]: ...

    async def find_orders_by_reference(self, customer_reference: str) -> Sequence[Any]: ...

    async def order_phone_numbers(self, order_id: str) -> Sequence[str]: ...

    async def allowed_foc_windows(self, order_id: str) -> Sequence[Any]: ...

    async def upload_document(
        self,
        content: bytes,
        *,
        filename: str | None = None,
        customer_reference: str | None = None,
        on_send: Callable[[], None] | None = None,
    ) -> Any: ...

    async def find_document(
        self, customer_reference: str, sha256: str, filename: str | None = None
    ) -> Any | None: ...

    async def update_order(
        self, order_id: str, patch: dict[str, Any], *, on_send: Callable[[], None] | None = None
    ) -> Any: ...

    async def confirm_order(
        self, order_id: str, *, on_send: Callable[[], None] | None = None
    ) -> Any: ...

    async def delete_order(self, order_id: str) -> Any: ...

    async def get_order(self, order_id: str) -> Any: ...


@dataclass
class BatchOptions:
    """What the operator asked of this run."""

    confirm: bool = False
    dry_run: bool = False
    batch_name: str | None = None
    foc_policy: FocPolicy = FocPolicy.REQUESTED


@dataclass
class GroupSummary:
    """What happened to one order group: plain data, fit for a Prefect task result.

    ``failed`` is the first API failure that stopped the group ("" when none): the group is
    retried by the next run. ``attention`` lists what the operator must act on.
    """

    group_key: str
    account: str
    orders: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    failed: str = ""
    created: int = 0
    reused: int = 0


@dataclass(frozen=True)
class _Refusal:
    """A document the run will not upload, and why (an operator's problem, not the API's)."""

    column: str
    code: str
    message: str
    hint: str


class _Intent:
    """One remote write's intent, recorded by the client's ``on_send`` once the request has
    its send slot: a crash leaves only the requests actually on their way in doubt, not every
    write still waiting for the pacer."""

    def __init__(
        self, ledger: Ledger, batch_id: str, kind: str, target: str, payload_hash: str = ""
    ) -> None:
        self.ledger = ledger
        self.batch_id = batch_id
        self.kind = kind
        self.target = target
        self.payload_hash = payload_hash
        #: The recorded intent's id; None while the request has not been sent.
        self.intent_id: int | None = None

    def record(self) -> None:
        """Write the intent down (the client calls this just before sending)."""
        self.intent_id = self.ledger.record_intent(
            self.batch_id, self.kind, self.target, self.payload_hash
        )

    def settle(
        self,
        state: str,
        detail: str = "",
        orders: Sequence[OrderRecord] = (),
        document: tuple[str, str, str] | None = None,
    ) -> None:
        """Settle the intent and save ``orders`` and ``document`` with it, in one transaction."""
        if self.intent_id is not None:
            self.ledger.settle_intent(
                self.intent_id, state, detail, orders=orders, document=document
            )
            return
        for record in orders:
            self.ledger.save_order(record)
        if document is not None:
            self.ledger.save_document(*document)


def batch_id_for(path: Path, name: str | None = None) -> str:
    """The batch's identity: its name, by default the spreadsheet's file name without suffix.

    Re-running the same (or an edited) file therefore resumes the same batch.
    """
    base = name or path.stem
    return _SLUG.sub("-", base).strip("-").lower() or "batch"


def _order_status(order: Any) -> str:
    status = getattr(order, "status", None)
    value = getattr(status, "value", status)
    return str(value or "")


def _answer_from(result: Any) -> Answer:
    extra = getattr(result, "model_extra", None) or {}

    def pick(name: str) -> str:
        value = getattr(result, name, None)
        if value is None:
            value = extra.get(name)
        return str(value or "")

    return Answer(
        phone_number=result.phone_number,
        portable=bool(result.portable),
        fast_portable=bool(getattr(result, "fast_portable", False)),
        reason=pick("not_portable_reason"),
        phone_number_type=pick("phone_number_type"),
        carrier=pick("carrier_name"),
        spid=pick("spid"),
        country=pick("country_code"),
    )


def _patch_fingerprint(group_fingerprint: str, documents: Mapping[str, str]) -> str:
    return hashlib.sha256(
        (group_fingerprint + json.dumps(dict(documents), sort_keys=True)).encode()
    ).hexdigest()


def _is_held(record: OrderRecord) -> bool:
    return record.foc_reason == FocReason.HELD_BEYOND_WINDOWS.value


def _describe_failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class BatchRun:
    """One run of one spreadsheet, step by step."""

    def __init__(
        self,
        settings: Settings,
        ledger: Ledger,
        api: PortingApi,
        path: Path,
        options: BatchOptions | None = None,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.api = api
        self.path = Path(path)
        self.options = options or BatchOptions()
        self.now = now
        self.on_progress = on_progress or ignore_progress
        self.batch_id = batch_id_for(self.path, self.options.batch_name)
        self.started_at = now()
        self.intake: Intake | None = None
        self.answers: dict[str, Answer] = {}
        self.plan_: Plan | None = None
        self.extra_issues: list[Issue] = []
        self.skipped: dict[str, tuple[Outcome, str, OrderRecord | None]] = {}
        self.group_of_number: dict[str, OrderGroup] = {}
        #: Groups an API failure stopped (group key -> first failure): retried by the next run.
        self.failed_groups: dict[str, str] = {}
        #: Orders an API failure stopped (order id -> failure).
        self.failed_orders: dict[str, str] = {}
        self._doc_locks: dict[str, asyncio.Lock] = {}
        self._documents: dict[str, str] = {}
        self._refused_documents: dict[str, _Refusal] = {}
        self._failed_documents: dict[str, PortingBatchError] = {}
        #: Each document's SHA-256 as read at intake, by its cell value: what may be uploaded.
        self.document_digests: dict[str, str] = {}
        self.stage = "created"
        self.failure = ""
        self._known: dict[str, OrderRecord] | None = None
        self._open_create_refs: set[str] | None = None
        self._key: bytes | None = None
        self._slots: asyncio.Semaphore | None = None
        self._uploaded: dict[str, str] | None = None
        #: Open intents by target, as an earlier run left them (read before this run writes).
        self._open_at_start: dict[str, list[dict[str, Any]]] | None = None
        self._progress: dict[str, int] = {"orders": 0, "created": 0, "reused": 0, "attention": 0}
        self._groups_done = 0

    def _emit(
        self, step: str, done: int, total: int, counts: Mapping[str, int] | None = None
    ) -> None:
        try:
            self.on_progress(ProgressEvent(step, done, total, dict(counts or {})))
        except Exception:  # a broken display must never stop a run
            logger.debug("progress callback failed", exc_info=True)

    # 1. intake -----------------------------------------------------------------------------
    def read(self) -> Intake:
        """Read and validate the spreadsheet, and record the batch in the ledger."""
        self.stage = "intake"
        intake = read_batch(self.path, self.settings, today=self.now().date())
        self.intake = intake
        self.ledger.start_batch(
            self.batch_id,
            name=self.batch_id,
            file_name=str(self.path),
            content_hash=intake.content_hash,
            settings=self.settings.public_summary(),
        )
        self._hash_documents()
        errors = sum(1 for i in intake.issues if i.is_error)
        logger.info(
            "%s: %d row(s) read from sheet %r, %d error(s), %d warning(s)",
            self.path.name,
            len(intake.rows),
            intake.sheet,
            errors,
            len(intake.issues) - errors,
        )
        self._emit("read", len(intake.rows), len(intake.rows), {"errors": errors})
        return intake

    def _hash_documents(self) -> None:
        """Hash each document the valid rows name, now: only these bytes may be uploaded."""
        assert self.intake is not None
        names = {
            row.values.get(column, "")
            for row in self.intake.rows
            if not row.errors
            for _, column in DOCUMENT_KINDS
        }
        for name in sorted(n for n in names if n):
            with contextlib.suppress(OSError):
                self.document_digests[name] = file_sha256(self._document_path(name))

    def _document_path(self, name: str) -> Path:
        return self.path.parent / name

    def valid_numbers(self) -> list[str]:
        """Every number of a row without errors, once, in file order."""
        assert self.intake is not None
        seen: dict[str, None] = {}
        for row in self.intake.rows:
            if not row.errors:
                for number in row.phone_numbers:
                    seen.setdefault(number, None)
        return list(seen)

    # 2. portability --------------------------------------------------------------------------
    def numbers_to_check(self) -> list[str]:
        """Valid numbers not already in an order: those of other batches are skipped here."""
        numbers = self.valid_numbers()
        active = self.ledger.active_orders_for_numbers(numbers)
        to_check = []
        for number in numbers:
            record = active.get(number)
            if record is None:
                to_check.append(number)
            elif record.batch_id != self.batch_id:
                self.skipped[number] = (
                    Outcome.ALREADY_IN_ORDER,
                    f"already in order {record.order_id} ({record.status}) of batch "
                    f"{record.batch_id}",
                    record,
                )
        return to_check

    async def check(self, numbers: Sequence[str] | None = None) -> dict[str, Answer]:
        """Run the portability checks, one API chunk at a time (concurrently), and keep the
        answers; a ``check`` progress event follows each chunk."""
        self.stage = "portability"
        wanted = list(numbers) if numbers is not None else self.numbers_to_check()
        if not wanted:
            return self.answers
        size = self.settings.check_chunk_size
        chunks = [wanted[i : i + size] for i in range(0, len(wanted), size)]
        done = 0

        async def one(chunk: list[str]) -> None:
            nonlocal done
            for result in await self.api.check_portability(chunk):
                answer = _answer_from(result)
                self.answers[answer.phone_number] = answer
            done += len(chunk)
            self._emit("check", done, len(wanted))

        outcomes = await asyncio.gather(*(one(c) for c in chunks), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        refused = sum(1 for n in wanted if not self.answers[n].portable)
        logger.info("portability: %d number(s) checked, %d not portable", len(wanted), refused)
        return self.answers

    def second_pass(self) -> list[Issue]:
        """Validation rules that need the portability answers (mobile needs PIN and account)."""
        assert self.intake is not None
        facts = {
            n: {"phone_number_type": a.phone_number_type, "portable": a.portable}
            for n, a in self.answers.items()
        }
        issues = second_pass(self.intake, facts)
        self.extra_issues.extend(issues)
        failing = {(i.sheet, i.row) for i in issues if i.is_error}
        for row in self.intake.rows:
            if (row.sheet, row.row) in failing:
                row.errors = True
        return issues

    # 3. plan ---------------------------------------------------------------------------------
    @property
    def key(self) -> bytes:
        """The reference key (``porting_batch.references``), read once per run."""
        if self._key is None:
            self._key = reference_key(self.settings)
        return self._key

    def plan(self) -> Plan:
        """Group the rows by account and predict the API's split."""
        self.stage = "plan"
        assert self.intake is not None
        rows = [r for r in self.intake.rows if not r.errors]
        plan = build_plan(self.batch_id, rows, self.answers, key=self.key)
        for group in plan.groups:
            group.phone_numbers = [n for n in group.phone_numbers if n not in self.skipped]
            for planned in group.planned:
                planned.phone_numbers = [n for n in planned.phone_numbers if n not in self.skipped]
            group.planned = [p for p in group.planned if p.phone_numbers]
            for number in group.phone_numbers:
                self.group_of_number[number] = group
        plan.groups = [g for g in plan.groups if g.phone_numbers]
        self.plan_ = plan
        if not self.options.dry_run:
            for group in plan.groups:
                self.ledger.save_group(
                    self.batch_id,
                    group.key,
                    customer_reference=group.customer_reference,
                    account=group.account,
                    fingerprint=group.fingerprint,
                )
        self._report_removed_rows()
        logger.info(
            "plan: %d account group(s), %d order(s) expected, %d number(s) already in orders "
            "of other batches",
            len(plan.groups),
            plan.planned_orders,
            sum(
                1 for outcome, _, _ in self.skipped.values() if outcome is Outcome.ALREADY_IN_ORDER
            ),
        )
        self._emit("plan", len(plan.groups), len(plan.groups), {"orders": plan.planned_orders})
        return plan

    def _report_removed_rows(self) -> None:
        rows = self.intake.rows if self.intake is not None else []
        numbers_now = {n for row in rows for n in row.phone_numbers}
        for record in self.ledger.orders_for_batch(self.batch_id):
            if record.status == "deleted":
                continue
            gone = [n for n in record.phone_numbers if n not in numbers_now]
            if gone:
                self.extra_issues.append(
                    Issue(
                        severity=Severity.WARNING,
                        message=(
                            f"{len(gone)} number(s) of order {record.order_id} are no longer in "
                            f"the file ({', '.join(gone[:5])}{'...' if len(gone) > 5 else ''}); "
                            "the order was left as it is"
                        ),
                        hint="delete the order with 'porting-batch clean' or edit it in the portal "
                        "if those numbers should not port",
                        code="removed_rows",
                        source="ledger",
                    )
                )

    # 4. orders ---------------------------------------------------------------------------------
    async def run_groups(self, groups: Sequence[OrderGroup] | None = None) -> list[GroupSummary]:
        """Run order groups concurrently; one failing group never holds up the others.

        A group stopped by an API failure (or a ledger failure) is recorded in
        :attr:`failed_groups`: the run is then incomplete and the next run retries it. At most
        :meth:`group_concurrency` groups of the run are under way at once, however many calls
        run at the same time: enough to keep the client's every request slot busy, few enough
        that memory and scheduling stay flat however large the batch.
        """
        assert self.plan_ is not None
        self.stage = "orders"
        self._open_intents_at_start()
        chosen = list(groups) if groups is not None else self.plan_.groups
        total = len(self.plan_.groups)
        slots = self._group_slots()
        summaries: dict[int, GroupSummary] = {}
        errors: list[BaseException] = []
        pending = iter(enumerate(chosen))

        async def one(group: OrderGroup) -> GroupSummary:
            try:
                summary = await self.run_group(group)
            except PortingBatchError as exc:
                self._fail_group(group, _describe_failure(exc))
                summary = GroupSummary(group.key, group.account, failed=_describe_failure(exc))
            self._groups_done += 1
            self._progress["orders"] += len(summary.orders)
            self._progress["created"] += summary.created
            self._progress["reused"] += summary.reused
            self._progress["attention"] += 1 if summary.attention else 0
            self._emit("orders", self._groups_done, total, self._progress)
            return summary

        async def worker() -> None:
            for position, group in pending:
                async with slots:
                    try:
                        summaries[position] = await one(group)
                    except Exception as exc:  # a bug: the other groups still run to their end
                        errors.append(exc)

        workers = min(len(chosen), self.group_concurrency())
        await asyncio.gather(*(worker() for _ in range(workers)))
        if errors:
            raise errors[0]
        ordered = [summaries[i] for i in range(len(chosen))]
        logger.info(
            "orders: %d group(s) done, %d order(s), %d group(s) need attention, %d failed",
            len(ordered),
            sum(len(summary.orders) for summary in ordered),
            sum(1 for summary in ordered if summary.attention),
            sum(1 for summary in ordered if summary.failed),
        )
        return ordered

    def group_concurrency(self) -> int:
        """How many order groups may be under way at once: half again the requests the client
        may have in flight (a group sends one request at a time), so that the pacer always has
        the next request waiting while a group does its own work between requests."""
        return self.settings.max_in_flight + max(2, self.settings.max_in_flight // 2)

    def _group_slots(self) -> asyncio.Semaphore:
        # Shared by every run_groups call of this run (the flow runs chunks of groups at once).
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.group_concurrency())
        return self._slots

    async def run_group(self, group: OrderGroup) -> GroupSummary:
        """Upload the group's documents, create (or adopt) its orders, then choose FOC, PATCH
        and confirm each, recording every step in the ledger.

        API failures propagate (the caller records the group as failed) except those of one
        order's own steps, which stop that order only.
        """
        self._open_intents_at_start()
        summary = GroupSummary(group.key, group.account)
        documents, refusals = await self._documents_for(group)
        if refusals:
            self._refuse_documents(group, refusals)
            summary.attention.extend(r.message for r in refusals)
            return summary
        known_before = {o.order_id for o in self._known_orders().values()}
        try:
            records = await self._ensure_orders(group)
        except UnprocessableEntityError as exc:
            # The API refused the request as a whole: the data, not the connection.
            reason = f"create refused: {exc}"
            self._group_attention(group, reason)
            summary.attention.append(reason)
            return summary
        for record in records:
            summary.orders.append(record.order_id)
            if record.order_id in known_before:
                summary.reused += 1
            else:
                summary.created += 1
            try:
                await self._complete_order(group, record, documents)
            except ApiError as exc:
                reason = _describe_failure(exc)
                self.failed_orders[record.order_id] = reason
                self._fail_group(group, reason)
                summary.failed = summary.failed or reason
            if record.attention:
                summary.attention.append(record.attention)
        return summary

    def _fail_group(self, group: OrderGroup, reason: str) -> None:
        self.failed_groups.setdefault(group.key, reason)
        logger.warning("%s: stopped by %s; the next run retries it", group.account, reason)

    def _group_attention(self, group: OrderGroup, reason: str) -> None:
        for number in group.phone_numbers:
            self.skipped.setdefault(number, (Outcome.NEEDS_ATTENTION, reason, None))

    async def _ensure_orders(self, group: OrderGroup) -> list[OrderRecord]:
        """The group's orders: those in the ledger, those a lost create made, and new ones."""
        known = self._known_orders()
        mine: dict[str, OrderRecord] = {}
        for number in group.phone_numbers:
            record = known.get(number)
            if record is not None:
                mine[record.order_id] = record
        missing = [n for n in group.phone_numbers if n not in known]
        cut = [r for r in mine.values() if len(r.phone_numbers) == NUMBERS_SHOWN]
        in_doubt = group.customer_reference in self._open_creates()
        if missing and (in_doubt or cut):
            # A create was sent but its answer never recorded (a crash), or an earlier version
            # recorded only the first 50 numbers of an order: look the orders up by reference.
            references = {group.customer_reference, *(r.customer_reference for r in mine.values())}
            known_ids = {o.order_id: o for o in known.values()}
            for reference in sorted(references):
                for order in await self.api.find_orders_by_reference(reference):
                    order_id = str(order.id)
                    existing = known_ids.get(order_id) or mine.get(order_id)
                    if existing is None:
                        record = await self._adopt(group, order)
                        mine[record.order_id] = record
                    elif holds_more_than_shown(order) or len(existing.phone_numbers) < (
                        order.porting_phone_numbers_count or 0
                    ):
                        existing.phone_numbers = await all_numbers(self.api, order)
                        self.ledger.save_order(existing)
                        mine[order_id] = existing
            for intent in self.ledger.open_intents_for(
                self.batch_id, group.customer_reference, kinds=("create",)
            ):
                self.ledger.settle_intent(intent["intent_id"], "done", "adopted after restart")
            taken = {n for o in mine.values() for n in o.phone_numbers}
            missing = [n for n in missing if n not in taken]
        if missing:
            for order in await self._create(group, missing):
                mine[order.order_id] = order
        return sorted(mine.values(), key=lambda o: o.order_id)

    def _known_orders(self) -> dict[str, OrderRecord]:
        """The batch's orders in the ledger by number, read once per run (groups never share
        a number, so no group's writes change another's view)."""
        if self._known is None:
            self._known = {
                n: o
                for o in self.ledger.orders_for_batch(self.batch_id)
                if o.status != "deleted"
                for n in o.phone_numbers
            }
        return self._known

    def _uploaded_documents(self) -> dict[str, str]:
        """The documents of this batch already uploaded (by any batch), by hash: read once."""
        if self._uploaded is None:
            self._uploaded = self.ledger.document_ids(self.document_digests.values())
        return self._uploaded

    def _open_creates(self) -> set[str]:
        """References of creates sent by an earlier run and never settled."""
        if self._open_create_refs is None:
            self._open_create_refs = {
                target
                for target, open_ in self._open_intents_at_start().items()
                if any(i["kind"] == "create" for i in open_)
            }
        return self._open_create_refs

    def _open_intents_at_start(self) -> dict[str, list[dict[str, Any]]]:
        """The intents earlier runs left open, by target: read once, before this run records
        any (the batch is held, so nobody else adds to them). After a crash they are the
        requests that were on their way; a target not among them is in no doubt, and needs no
        query of its own."""
        if self._open_at_start is None:
            found: dict[str, list[dict[str, Any]]] = {}
            for intent in self.ledger.open_intents(self.batch_id):
                found.setdefault(intent["target"], []).append(intent)
            self._open_at_start = found
        return self._open_at_start

    async def _create(self, group: OrderGroup, numbers: list[str]) -> list[OrderRecord]:
        payload_hash = hashlib.sha256(json.dumps(sorted(numbers)).encode()).hexdigest()
        remaining = list(numbers)
        while remaining:
            intent = _Intent(
                self.ledger, self.batch_id, "create", group.customer_reference, payload_hash
            )
            try:
                orders = await self.api.create_orders(
                    remaining,
                    customer_reference=group.customer_reference,
                    customer_group_reference=self.batch_id,
                    on_send=intent.record,
                )
            except UnprocessableEntityError as exc:
                refused = self._refused_numbers(exc, remaining)
                intent.settle("failed", str(exc))
                if not refused:
                    raise
                remaining = [n for n in remaining if n not in refused]
                continue
            except ApiError as exc:
                if not isinstance(exc, NoResponseError | ServerError):
                    intent.settle("failed", str(exc))
                # Otherwise the create may have landed: the open intent makes the next run
                # look it up by reference before creating anything.
                raise
            records = [
                self._order_record(group, order, await all_numbers(self.api, order))
                for order in orders
            ]
            # The orders and the settled intent together: a crash before this leaves the
            # intent open, and the next run adopts the orders by reference.
            intent.settle("done", ",".join(r.order_id for r in records), orders=records)
            planned = [p for p in group.planned if any(n in remaining for n in p.phone_numbers)]
            for difference in compare_split(planned, [r.phone_numbers for r in records]):
                self.extra_issues.append(
                    Issue(
                        severity=Severity.WARNING,
                        message=f"{group.account}: {difference}; the API's split was adopted",
                        code="split_differs",
                        source="api",
                    )
                )
            return records
        return []

    def _refused_numbers(self, exc: UnprocessableEntityError, sent: list[str]) -> dict[str, str]:
        """Numbers a create refused one by one (already in an order, not portable ...)."""
        refused: dict[str, str] = {}
        for item in exc.errors:
            pointer = item.pointer or ""
            match = re.fullmatch(r"/phone_numbers/(\d+)(?:/.*)?", pointer)
            if not match or int(match.group(1)) >= len(sent):
                continue
            number = sent[int(match.group(1))]
            refused[number] = item.detail or item.title
            in_order = item.code in {"80003"} or "order" in (item.detail or "").lower()
            outcome = Outcome.ALREADY_IN_ORDER if in_order else Outcome.NOT_PORTABLE
            self.skipped[number] = (outcome, item.detail or item.title, None)
        return refused

    async def _adopt(self, group: OrderGroup, order: Any) -> OrderRecord:
        """Record an order the API made, with every number it holds (not only the 50 shown)."""
        numbers = await all_numbers(self.api, order)
        record = self._order_record(group, order, numbers)
        self.ledger.save_order(record)
        return record

    def _order_record(self, group: OrderGroup, order: Any, numbers: list[str]) -> OrderRecord:
        """The ledger's record of an order the API made (not yet saved)."""
        settings_ = getattr(order, "activation_settings", None)
        country = ""
        if getattr(order, "phone_numbers", None):
            country = str(getattr(order.phone_numbers[0], "country_code", "") or "")
        return OrderRecord(
            order_id=str(order.id),
            batch_id=self.batch_id,
            group_key=group.key,
            customer_reference=group.customer_reference,
            status=_order_status(order),
            phone_numbers=numbers,
            country=country,
            phone_number_type=str(getattr(order, "phone_number_type", "") or ""),
            carrier=str(getattr(order, "old_service_provider_ocn", "") or ""),
            fast_port=bool(getattr(settings_, "fast_port_eligible", False)),
            support_key=str(getattr(order, "support_key", "") or ""),
        )

    # documents -------------------------------------------------------------------------------
    async def _documents_for(self, group: OrderGroup) -> tuple[dict[str, str], list[_Refusal]]:
        """The group's LOA and invoice ids (each distinct file uploaded once per ledger), and
        the documents refused because they are no longer the files checked at intake."""
        ids: dict[str, str] = {}
        refusals: list[_Refusal] = []
        for kind, column in DOCUMENT_KINDS:
            name = group.fields.get(column, "")
            if not name:
                continue
            found = await self._document_id(name, column)
            if isinstance(found, _Refusal):
                refusals.append(found)
            else:
                ids[kind] = found
        return ids, refusals

    async def _document_id(self, name: str, column: str) -> str | _Refusal:
        digest = self.document_digests.get(name)
        if digest is None:
            return _Refusal(
                column,
                "file_unreadable",
                f"{name}: the file could not be read when the batch was checked",
                "check that the file is there and readable, then run the file again",
            )
        lock = self._doc_locks.setdefault(digest, asyncio.Lock())
        async with lock:
            if digest in self._documents:
                return self._documents[digest]
            if digest in self._refused_documents:
                return dataclasses.replace(self._refused_documents[digest], column=column)
            if digest in self._failed_documents:
                # One document, one set of attempts per run: the client already retried it.
                raise self._failed_documents[digest]
            known = self._uploaded_documents().get(digest)
            if known is None:
                try:
                    found = await self._upload_once(name, column, digest)
                except PortingBatchError as exc:
                    self._failed_documents[digest] = exc
                    raise
                if isinstance(found, _Refusal):
                    self._refused_documents[digest] = found
                    return found
                known = found
            self._documents[digest] = known
            return known

    async def _upload_once(self, name: str, column: str, digest: str) -> str | _Refusal:
        """Upload the document's checked bytes, unless an earlier run's upload landed."""
        in_doubt = []
        if digest in self._open_intents_at_start():
            in_doubt = self.ledger.open_intents_for(self.batch_id, digest, kinds=("upload",))
        if in_doubt:
            landed = await self._find_uploaded(digest, Path(name).name)
            for open_intent in in_doubt:
                self.ledger.settle_intent(
                    open_intent["intent_id"], "done" if landed else "unknown", landed or ""
                )
            if landed:
                self.ledger.save_document(digest, landed, Path(name).name)
                return landed
        content = self._read_checked(name, column, digest)
        if isinstance(content, _Refusal):
            return content
        intent = _Intent(self.ledger, self.batch_id, "upload", digest)
        try:
            document_id = await self._upload(content, Path(name).name, intent)
        except ApiError as exc:
            if not isinstance(exc, NoResponseError | ServerError):
                intent.settle("failed", str(exc))
            raise
        intent.settle("done", document_id, document=(digest, document_id, Path(name).name))
        return document_id

    def _read_checked(self, name: str, column: str, digest: str) -> bytes | _Refusal:
        """The document's bytes, read once, if they are still the bytes checked at intake."""
        folder = self.path.parent.resolve()
        try:
            resolved = self._document_path(name).resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            return _Refusal(
                column,
                "file_missing",
                f"{name}: the file is gone since the batch was checked ({exc})",
                "put the file back next to the spreadsheet and run the file again",
            )
        if not resolved.is_relative_to(folder):
            return _Refusal(
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
            return _Refusal(
                column,
                "file_unreadable",
                f"{name}: the file cannot be read ({exc.strerror or exc})",
                "check that the file can be opened by this user and run the file again",
            )
        if hashlib.sha256(content).hexdigest() != digest:
            return _Refusal(
                column,
                "file_changed",
                f"{name}: the file changed after the batch was checked; it was not uploaded",
                "run the file again so the new document is checked before it is sent",
            )
        return content

    async def _upload(self, content: bytes, filename: str, intent: _Intent) -> str:
        """Upload exactly ``content`` (the bytes checked at intake); returns the document id."""
        document = await self.api.upload_document(
            content, filename=filename, customer_reference=self.batch_id, on_send=intent.record
        )
        return str(document.id)

    async def _find_uploaded(self, digest: str, filename: str) -> str:
        """The id of a document an earlier run uploaded but never recorded ("" if none)."""
        document = await self.api.find_document(self.batch_id, digest, filename)
        return str(document.id) if document is not None else ""

    def _refuse_documents(self, group: OrderGroup, refusals: Sequence[_Refusal]) -> None:
        """A refused document is the operator's to fix: an error on each of the group's rows."""
        for refusal in refusals:
            for row in group.rows:
                self.extra_issues.append(
                    Issue(
                        severity=Severity.ERROR,
                        message=refusal.message,
                        hint=refusal.hint,
                        sheet=row.sheet,
                        row=row.row,
                        column=refusal.column,
                        column_letter=row.letter(refusal.column),
                        value=_shown_value(row, refusal.column),
                        code=refusal.code,
                        source="documents",
                    )
                )
        reason = "; ".join(r.message for r in refusals)
        self._group_attention(group, reason)

    # one order ---------------------------------------------------------------------------------
    async def _complete_order(
        self, group: OrderGroup, record: OrderRecord, documents: dict[str, str]
    ) -> None:
        await self._refresh_if_in_doubt(record)
        fingerprint = _patch_fingerprint(group.fingerprint, documents)
        legacy = _patch_fingerprint(group.legacy_fingerprint, documents)
        if group.legacy_fingerprint and record.patched_fingerprint == legacy:
            # Patched by a version that hashed without the key: the same data, so only the
            # record changes (no PATCH, and no "data changed" on a submitted order).
            record.patched_fingerprint = fingerprint
            self.ledger.save_order(record)
        needs_patch = record.patched_fingerprint != fingerprint
        editable = record.status in EDITABLE_STATUSES
        if needs_patch and not editable:
            if record.patched_fingerprint:
                record.attention = (
                    f"the file's order data changed, but the order is {record.status}; "
                    "it was not edited"
                )
                self.ledger.save_order(record)
            needs_patch = False
        choice: FocChoice | None = None
        if not needs_patch and editable and _is_held(record):
            # Held for a FOC beyond the windows: set it once a window reaches it.
            choice = await self._choose_foc(group, record)
            needs_patch = not choice.held
        if needs_patch:
            choice = choice or await self._choose_foc(group, record)
            if not await self._patch(group, record, choice, documents, fingerprint):
                return
        if (
            self.options.confirm
            and record.status == "draft"
            and record.patched_fingerprint
            and not _is_held(record)
        ):
            await self._confirm(group, record)
        self._clear_attention_if_reached(record, fingerprint)

    async def _patch(
        self,
        group: OrderGroup,
        record: OrderRecord,
        choice: FocChoice,
        documents: dict[str, str],
        fingerprint: str,
    ) -> bool:
        """Send the order's one PATCH; False when Telnyx refused the data (mapped to cells)."""
        body = build_patch(
            group.fields,
            customer_reference=group.customer_reference,
            customer_group_reference=self.batch_id,
            foc=choice.at,
            documents=documents,
        )
        intent = _Intent(self.ledger, self.batch_id, "patch", record.order_id, fingerprint)
        try:
            order = await self.api.update_order(record.order_id, body, on_send=intent.record)
        except UnprocessableEntityError as exc:
            self._map_patch_errors(group, record, exc)
            record.attention = "; ".join(item.describe() for item in exc.errors) or str(exc)
            record.patched_fingerprint = ""
            intent.settle("failed", str(exc), orders=[record])
            return False
        except ApiError as exc:
            intent.settle("failed", str(exc))
            raise
        record.status = _order_status(order) or record.status
        record.foc_chosen = choice.at.isoformat() if choice.at else ""
        record.foc_reason = choice.reason.value
        record.documents = dict(documents)
        record.patched_fingerprint = fingerprint
        record.customer_reference = group.customer_reference  # the PATCH set it
        record.attention = ""
        intent.settle("done", orders=[record])
        return True

    async def _confirm(self, group: OrderGroup, record: OrderRecord) -> bool:
        """Confirm once (the client recovers a lost answer); False when Telnyx refused it."""
        intent = _Intent(self.ledger, self.batch_id, "confirm", record.order_id)
        try:
            order = await self.api.confirm_order(record.order_id, on_send=intent.record)
        except UnprocessableEntityError as exc:
            self._map_patch_errors(group, record, exc)
            record.attention = "confirm refused: " + (
                "; ".join(item.describe() for item in exc.errors) or str(exc)
            )
            intent.settle("failed", str(exc), orders=[record])
            return False
        # Any other failure leaves the intent open: the next run reads the order to learn
        # whether the confirm landed.
        record.status = _order_status(order) or "in-process"
        record.confirmed = True
        intent.settle("done", orders=[record])
        return True

    def _clear_attention_if_reached(self, record: OrderRecord, fingerprint: str) -> None:
        """Attention whose cause is gone is cleared: the order is in the state its step wanted.

        Tracking's exceptions are left to tracking; a refused confirm is gone once the order
        is no longer a draft; anything else once the file's current data has landed.
        """
        attention = record.attention
        if not attention or attention.startswith(EXCEPTION_PREFIX):
            return
        if attention.startswith(CONFIRM_PREFIX):
            reached = record.status not in EDITABLE_STATUSES
        else:
            reached = record.patched_fingerprint == fingerprint and (
                not self.options.confirm
                or record.status not in EDITABLE_STATUSES
                or _is_held(record)
            )
        if reached:
            logger.info("order %s: attention cleared (%s)", record.order_id, attention[:80])
            record.attention = ""
            self.ledger.save_order(record)

    async def _refresh_if_in_doubt(self, record: OrderRecord) -> None:
        """Read the order when the ledger may be behind it: after a crash between sending a
        PATCH or confirm and recording its answer, or when it carries attention that a step
        (perhaps one whose answer was lost) may since have resolved."""
        doubtful = self._doubtful_intents(record.order_id)
        flagged = bool(record.attention) and not record.attention.startswith(EXCEPTION_PREFIX)
        if not doubtful and not flagged:
            return
        order = await self.api.get_order(record.order_id)
        status = _order_status(order)
        changed = False
        if status and status != record.status:
            record.status = status
            record.confirmed = record.confirmed or status != "draft"
            changed = True
        count = getattr(order, "porting_phone_numbers_count", None)
        if count is not None and count != len(record.phone_numbers):
            record.phone_numbers = await all_numbers(self.api, order)
            changed = True
        if changed:
            self.ledger.save_order(record)
        for intent in doubtful:
            # A PATCH in doubt is simply sent again (its fingerprint was never recorded).
            self.ledger.settle_intent(
                intent["intent_id"], "unknown", "resolved by reading the order"
            )

    def _doubtful_intents(self, order_id: str) -> list[dict[str, Any]]:
        """PATCH and confirm intents an earlier run left open on this order (one indexed query,
        asked only of the orders an earlier run left any open intent on)."""
        if order_id not in self._open_intents_at_start():
            return []
        return self.ledger.open_intents_for(self.batch_id, order_id, kinds=("patch", "confirm"))

    async def _choose_foc(self, group: OrderGroup, record: OrderRecord) -> FocChoice:
        raw = await self.api.allowed_foc_windows(record.order_id)
        windows = [Window(w.started_at, w.ended_at) for w in raw]
        return choose_foc(windows, group.requested_foc, self.options.foc_policy)

    def _map_patch_errors(
        self, group: OrderGroup, record: OrderRecord, exc: UnprocessableEntityError
    ) -> None:
        """Each API error, pointer by pointer, onto the rows and columns that supplied it."""
        in_order = set(record.phone_numbers)
        rows = [r for r in group.rows if in_order.intersection(r.phone_numbers)] or group.rows
        for item in exc.errors or ():
            column = column_for_pointer(item.pointer)
            for row in rows:
                self.extra_issues.append(
                    Issue(
                        severity=Severity.ERROR,
                        message=f"Telnyx refused it for order {record.order_id}: "
                        f"{item.detail or item.title}",
                        hint="correct the cell to match the losing carrier's records and run "
                        "the file again",
                        sheet=row.sheet,
                        row=row.row,
                        column=column,
                        column_letter=row.letter(column) if column else "",
                        value=_shown_value(row, column),
                        code=item.code,
                        source="api",
                    )
                )

    # 5. result ---------------------------------------------------------------------------------
    def result(self, *, complete: bool | None = None, failure: str = "") -> BatchResult:
        """Every row accounted for: the BatchResult the reports are written from.

        ``complete`` is worked out when not given: a run is complete when no step failed and
        every number reached its outcome (see the module's docstring). ``failure`` then says,
        on one line, how many groups failed and the first reason.
        """
        intake = self.intake
        orders = {o.order_id: o for o in self.ledger.orders_for_batch(self.batch_id)}
        order_of = {n: o for o in orders.values() if o.status != "deleted" for n in o.phone_numbers}
        numbers: list[NumberResult] = []
        issues = list(intake.issues) if intake else []
        issues.extend(self.extra_issues)
        if not self.options.dry_run:
            issues.extend(self._foc_issues(orders.values()))
        row_errors: dict[tuple[str, int], list[Issue]] = {}
        for issue in issues:
            if issue.is_error and issue.row and issue.source != "api":
                row_errors.setdefault((issue.sheet, issue.row), []).append(issue)
        for row in intake.rows if intake else []:
            found = row_errors.get((row.sheet, row.row), [])
            targets = row.phone_numbers or [""]
            for number in targets:
                numbers.append(self._number_result(row, number, found, order_of))
        if complete is None:
            failure = failure or self._failure_line(numbers)
            complete = not failure
        order_results = [self._order_result(o) for o in orders.values() if o.status != "deleted"]
        if self.options.dry_run and self.plan_ is not None:
            order_results = [
                OrderResult(
                    order_id="",
                    customer_reference=g.customer_reference,
                    account=g.account,
                    country=p.key.country,
                    phone_number_type=p.key.phone_number_type,
                    carrier=p.key.carrier,
                    fast_port=p.key.fast_port,
                    phone_numbers=list(p.phone_numbers),
                    status="planned",
                    foc_requested=g.requested_foc,
                )
                for g in self.plan_.groups
                for p in g.planned
            ]
        self.ledger.save_numbers(
            self.batch_id,
            [
                NumberRecord(n.sheet, n.row, n.phone_number, n.outcome.value, n.reason, n.order_id)
                for n in numbers
            ],
        )
        self.ledger.save_issues(self.batch_id, [issue_to_dict(i) for i in issues])
        return BatchResult(
            batch_id=self.batch_id,
            name=self.batch_id,
            input_path=self.path,
            content_hash=intake.content_hash if intake else "",
            started_at=self.started_at,
            finished_at=self.now(),
            numbers=numbers,
            orders=order_results,
            issues=issues,
            settings=self.settings.public_summary(),
            dry_run=self.options.dry_run,
            confirm=self.options.confirm,
            complete=complete,
            failure=failure,
            input_headers=list(intake.headers) if intake else [],
        )

    def _failure_line(self, numbers: Sequence[NumberResult]) -> str:
        """One line saying why the run is incomplete, or "" when it is complete."""
        if self.failure:
            return self.failure
        if self.failed_groups:
            total = len(self.plan_.groups) if self.plan_ is not None else len(self.failed_groups)
            first = next(iter(self.failed_groups.values()))
            return (
                f"{len(self.failed_groups)} of {total} order group(s) failed; first: {first}; "
                "run the file again to retry them"
            )
        unfinished = sum(1 for n in numbers if not n.outcome.is_final)
        if unfinished:
            return (
                f"{unfinished} number(s) did not reach their outcome; run the file again to "
                "finish them"
            )
        return ""

    def _foc_issues(self, records: Sequence[OrderRecord] | Any) -> list[Issue]:
        """A warning on the FOC cell of every row whose order's FOC is not the one asked for."""
        found: list[Issue] = []
        groups = self.plan_.groups if self.plan_ is not None else []
        row_of = {n: row for g in groups for row in g.rows for n in row.phone_numbers}
        for record in records:
            if record.status == "deleted" or not record.foc_reason or not record.phone_numbers:
                continue
            group = self.group_of_number.get(record.phone_numbers[0])
            if group is None or group.requested_foc is None:
                continue
            requested = group.requested_foc
            chosen = _parse_time(record.foc_chosen)
            if chosen is not None and chosen == requested:
                continue
            asked = requested.strftime("%Y-%m-%d %H:%M UTC")
            if _is_held(record):
                message = (
                    f"the requested FOC {asked} lies beyond the windows Telnyx offers today: "
                    f"order {record.order_id} stays a complete draft with no FOC"
                )
                hint = "run the file again with --confirm closer to the date"
            elif chosen is None:
                message = f"order {record.order_id} has no FOC: {record.foc_reason}"
                hint = "ask Telnyx support for a port date, or run the file again later"
            else:
                when = "EARLIER" if chosen < requested else "later"
                message = (
                    f"the FOC of order {record.order_id} is {chosen:%Y-%m-%d %H:%M UTC}, "
                    f"{when} than the requested {asked}: {record.foc_reason}"
                )
                hint = "change requested_foc to a date Telnyx allows if this one does not suit"
            rows = {id(r): r for n in record.phone_numbers if (r := row_of.get(n)) is not None}
            for row in rows.values():
                found.append(
                    Issue(
                        severity=Severity.WARNING,
                        message=message,
                        hint=hint,
                        sheet=row.sheet,
                        row=row.row,
                        column="requested_foc",
                        column_letter=row.letter("requested_foc"),
                        value=_shown_value(row, "requested_foc"),
                        code="foc_moved",
                        source="foc",
                    )
                )
        return found

    def _number_result(
        self,
        row: InputRow,
        number: str,
        errors: list[Issue],
        order_of: Mapping[str, OrderRecord],
    ) -> NumberResult:
        answer = self.answers.get(number)
        result = NumberResult(
            sheet=row.sheet,
            row=row.row,
            input_value=_shown_value(row, "phone_number"),
            phone_number=number,
            outcome=Outcome.NOT_PROCESSED,
            raw=dict(row.raw),
            portable=answer.portable if answer else None,
            fast_portable=answer.fast_portable if answer else None,
            phone_number_type=answer.phone_number_type if answer else "",
            carrier=answer.carrier if answer else "",
        )
        group = self.group_of_number.get(number)
        if group is not None:
            result.account = group.account
            result.customer_reference = group.customer_reference
        duplicate = [i for i in errors if i.code == "duplicate"]
        if duplicate:
            result.outcome, result.reason = Outcome.DUPLICATE, duplicate[0].message
            return result
        if errors or row.errors:
            result.outcome = Outcome.INVALID_INPUT
            result.reason = "; ".join(i.describe() for i in errors) or "the row has an error"
            return result
        if number in self.skipped:
            outcome, reason, skipped_record = self.skipped[number]
            result.outcome, result.reason = outcome, reason
            if skipped_record is not None:
                result.order_id, result.order_status = (
                    skipped_record.order_id,
                    skipped_record.status,
                )
            return result
        if answer is not None and not answer.portable:
            result.outcome = Outcome.NOT_PORTABLE
            result.reason = answer.reason or "not portable"
            return result
        stopped = self.failed_groups.get(group.key, "") if group is not None else ""
        record = order_of.get(number)
        if record is None:
            if self.options.dry_run and group is not None:
                result.outcome, result.reason = Outcome.PLANNED, "would be ordered"
            else:
                result.outcome = Outcome.NOT_PROCESSED
                result.reason = _unfinished(
                    stopped or self.failure or "the run stopped before this number's order"
                )
            return result
        stopped = self.failed_orders.get(record.order_id, "") or stopped
        result.order_id, result.order_status = record.order_id, record.status
        result.foc_chosen = _parse_time(record.foc_chosen)
        result.foc_reason = record.foc_reason
        if record.attention:
            result.outcome, result.reason = Outcome.NEEDS_ATTENTION, record.attention
        elif record.confirmed or record.status not in EDITABLE_STATUSES:
            result.outcome, result.reason = Outcome.CONFIRMED, f"order {record.status}"
        elif not record.patched_fingerprint:
            result.outcome = Outcome.NOT_PROCESSED
            result.reason = _unfinished(stopped or "order created but not yet completed")
        elif _is_held(record):
            result.outcome = Outcome.READY_AS_DRAFT
            result.reason = (
                "draft order complete; not confirmed: the requested FOC lies beyond the "
                "windows Telnyx offers today (confirm it closer to the date)"
            )
        elif self.options.confirm:
            result.outcome = Outcome.NOT_PROCESSED
            result.reason = _unfinished(stopped or "draft order complete but not yet confirmed")
        else:
            result.outcome, result.reason = Outcome.READY_AS_DRAFT, "draft order complete"
        return result

    def _order_result(self, record: OrderRecord) -> OrderResult:
        group = self.group_of_number.get(record.phone_numbers[0]) if record.phone_numbers else None
        account = group.account if group else record.customer_reference
        return order_result(record, account, group.requested_foc if group else None)


def _unfinished(reason: str) -> str:
    return f"{reason}; run the file again"


def _shown_value(row: InputRow, column: str) -> str:
    if not column:
        return ""
    header = row.header(column)
    return row.raw.get(header, "") if header else row.values.get(column, "")


def _parse_time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def order_result(record: OrderRecord, account: str, foc_requested: datetime | None) -> OrderResult:
    """An order as the reports show it, from its ledger record."""
    return OrderResult(
        order_id=record.order_id,
        customer_reference=record.customer_reference,
        account=account,
        country=record.country,
        phone_number_type=record.phone_number_type,
        carrier=record.carrier,
        fast_port=record.fast_port,
        phone_numbers=list(record.phone_numbers),
        status=record.status,
        foc_requested=foc_requested,
        foc_chosen=_parse_time(record.foc_chosen),
        foc_reason=record.foc_reason,
        documents=dict(record.documents),
        attention=record.attention,
        support_key=record.support_key,
    )


def issue_to_dict(issue: Issue) -> dict[str, Any]:
    """An Issue as plain data (for the ledger)."""
    data = dataclasses.asdict(issue)
    data["severity"] = issue.severity.value
    return data


def issue_from_dict(data: Mapping[str, Any]) -> Issue:
    """An Issue back from plain data."""
    values = dict(data)
    values["severity"] = Severity(values["severity"])
    return Issue(**values)


def result_from_ledger(settings: Settings, ledger: Ledger, batch_id: str) -> BatchResult:
    """Rebuild a batch's result from the ledger (for rewriting its report later).

    The rows' original values come from the input file when it is still there unchanged;
    otherwise the report shows the numbers and outcomes the ledger kept.
    """
    batch = ledger.batch(batch_id)
    if batch is None:
        known = ", ".join(b["batch_id"] for b in ledger.batches_list()[:10]) or "none yet"
        raise LedgerError(f"no batch named {batch_id!r} in the ledger (known: {known})")
    path = Path(batch["file_name"])
    raw_by_row: dict[tuple[str, int], dict[str, str]] = {}
    headers: list[str] = []
    if path.exists() and file_sha256(path) == batch["content_hash"]:
        intake = read_batch(path, settings)
        headers = list(intake.headers)
        raw_by_row = {(r.sheet, r.row): dict(r.raw) for r in intake.rows}
    orders = {o.order_id: o for o in ledger.orders_for_batch(batch_id)}
    accounts = ledger.group_accounts(batch_id)
    results: list[NumberResult] = []
    for record in ledger.numbers_for_batch(batch_id):
        order = orders.get(record.order_id)
        outcome, reason = Outcome(record.outcome), record.reason
        if order is not None and order.attention:
            # Tracking may have found an exception since the run: that is what to act on now.
            outcome, reason = Outcome.NEEDS_ATTENTION, order.attention
        results.append(
            NumberResult(
                sheet=record.sheet,
                row=record.row,
                input_value="",
                phone_number=record.phone_number,
                outcome=outcome,
                reason=reason,
                raw=raw_by_row.get((record.sheet, record.row), {}),
                order_id=record.order_id,
                order_status=order.status if order else "",
                account=accounts.get(order.group_key, "") if order else "",
                customer_reference=order.customer_reference if order else "",
                foc_chosen=_parse_time(order.foc_chosen) if order else None,
                foc_reason=order.foc_reason if order else "",
            )
        )
    created = datetime.fromisoformat(batch["created_at"])
    return BatchResult(
        batch_id=batch_id,
        name=batch_id,
        input_path=path,
        content_hash=batch["content_hash"],
        started_at=created,
        finished_at=datetime.now(UTC),
        numbers=results,
        orders=[
            order_result(o, accounts.get(o.group_key, o.customer_reference), None)
            for o in orders.values()
            if o.status != "deleted"
        ],
        issues=[issue_from_dict(i) for i in ledger.issues_for_batch(batch_id)],
        settings=settings.public_summary(),
        complete=batch["status"] == "complete",
        failure="" if batch["status"] == "complete" else f"last run {batch['status']}",
        input_headers=headers,
    )


def validation_result(settings: Settings, intake: Intake) -> BatchResult:
    """A result for intake alone (``porting-batch validate``): nothing was sent anywhere."""
    with Ledger("sqlite://") as ledger:
        run = BatchRun(settings, ledger, _NoApi(), intake.path, BatchOptions(dry_run=True))
        run.intake = intake
        run.failure = "validated only; nothing was sent"
        return run.result(complete=True)


def failed_intake_result(settings: Settings, path: Path, exc: IntakeError) -> BatchResult:
    """A result for a file that could not be read at all: the report says why."""
    with Ledger("sqlite://") as ledger:
        run = BatchRun(settings, ledger, _NoApi(), path, BatchOptions(dry_run=True))
        run.extra_issues.append(file_issue(exc))
        return run.result(complete=False, failure=str(exc))


class _NoApi:
    """Stands in for the API where a step must not call it."""

    def __getattr__(self, name: str) -> Any:
        raise PortingBatchError(f"no API call is allowed here ({name})")


def file_issue(exc: IntakeError) -> Issue:
    """A file-level intake failure as an Issue, so that the report says why nothing ran."""
    return Issue(
        severity=Severity.ERROR,
        message=exc.message,
        hint=exc.hint,
        sheet=exc.sheet,
        code="file",
        source="intake",
    )


async def run_batch(
    settings: Settings,
    ledger: Ledger,
    api: PortingApi,
    path: Path,
    options: BatchOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> BatchResult:
    """Run one spreadsheet end to end without Prefect; the flow runs the same steps as tasks.

    After intake the batch is held in the ledger (``hold_batch``) so that no other run of it
    writes at the same time: a batch held elsewhere for longer than ``settings.batch_wait_s``
    raises ``BatchBusyError`` (nothing of this run was written). The batch is then marked
    ``complete`` or ``incomplete`` in the ledger. ``on_progress`` receives the steps'
    :class:`~porting_batch.progress.ProgressEvent`; ``on_wait`` is told who holds the batch.
    """
    run = BatchRun(settings, ledger, api, path, options, on_progress=on_progress)
    try:
        run.read()
    except IntakeError as exc:
        run.failure = str(exc)
        run.extra_issues.append(file_issue(exc))
        return run.result(complete=False, failure=str(exc))
    async with hold_batch(
        ledger,
        run.batch_id,
        wait_s=settings.batch_wait_s,
        lease_s=settings.batch_lease_s,
        on_wait=on_wait,
    ):
        try:
            await run.check()
            run.second_pass()
            run.plan()
            if not run.options.dry_run:
                with frozen_heap():
                    await run.run_groups()
        except PortingBatchError as exc:
            run.failure = f"{run.stage}: {exc}"
        result = run.result()
        finish_run(ledger, result)
    return result


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Leave what exists now (the intake, the answers, the plan: at 100,000 rows most of the
    heap) out of the garbage collector's scans while the orders are made: a full collection
    would otherwise walk all of it, again and again, while each request allocates a little.
    Those objects are handed back to the collector afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def finish_run(ledger: Ledger, result: BatchResult) -> None:
    """Mark the batch ``complete`` or ``incomplete`` in the ledger, keeping its report folder."""
    batch = ledger.batch(result.batch_id)
    folder = str(batch.get("report_folder") or "") if batch else ""
    ledger.finish_batch(result.batch_id, "complete" if result.complete else "incomplete", folder)
