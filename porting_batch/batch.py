"""Running one spreadsheet: intake, portability checks, plan, orders, and the result.

The steps are methods of :class:`BatchRun` so that the Prefect flow can run each as a task, and
:func:`run_batch` chains the same steps without Prefect (tests and benchmarks use it). Every
remote write goes through the ledger first, so that a re-run, after a crash, an edit or by
mistake, never creates a second order for a number and never loses a row.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

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
from porting_batch.foc import FocChoice, FocPolicy, Window, choose_foc
from porting_batch.intake import InputRow, Intake, read_batch, second_pass
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import Ledger, NumberRecord, OrderRecord
from porting_batch.order_patch import build_patch, column_for_pointer
from porting_batch.outcomes import Outcome
from porting_batch.plan import Answer, OrderGroup, Plan, build_plan, compare_split
from porting_batch.results import BatchResult, NumberResult, OrderResult
from porting_batch.settings import Settings

logger = logging.getLogger("porting_batch.batch")
T = TypeVar("T")

_SLUG = re.compile(r"[^A-Za-z0-9._-]+")
DOCUMENT_KINDS = (("loa", "loa_file"), ("invoice", "invoice_file"))
#: How often a write that is safe to repeat (a PATCH with the same body, an upload) is re-sent
#: after an answer was lost; the client itself never repeats a write that may have landed.
REPEATABLE_WRITE_ATTEMPTS = 3
#: Order statuses in which the order's data may still be changed by a PATCH.
EDITABLE_STATUSES = frozenset({"draft"})


class PortingApi(Protocol):
    """The calls the runner makes; ``porting_batch.client.PortingClient`` provides them."""

    async def check_portability(self, numbers: Sequence[str]) -> Sequence[Any]: ...

    async def create_orders(
        self,
        phone_numbers: Sequence[str],
        *,
        customer_reference: str,
        customer_group_reference: str | None = None,
    ) -> Sequence[Any]: ...

    async def find_orders_by_reference(self, customer_reference: str) -> Sequence[Any]: ...

    async def allowed_foc_windows(self, order_id: str) -> Sequence[Any]: ...

    async def upload_document(
        self, path: Path, *, customer_reference: str | None = None
    ) -> Any: ...

    async def update_order(self, order_id: str, patch: dict[str, Any]) -> Any: ...

    async def confirm_order(self, order_id: str) -> Any: ...

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
    """What happened to one order group: plain data, fit for a Prefect task result."""

    group_key: str
    account: str
    orders: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)


def batch_id_for(path: Path, name: str | None = None) -> str:
    """The batch's identity: its name, by default the spreadsheet's file name without suffix.

    Re-running the same (or an edited) file therefore resumes the same batch.
    """
    base = name or path.stem
    return _SLUG.sub("-", base).strip("-").lower() or "batch"


def _order_numbers(order: Any) -> list[str]:
    return [n.phone_number for n in (getattr(order, "phone_numbers", None) or [])]


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
    ) -> None:
        self.settings = settings
        self.ledger = ledger
        self.api = api
        self.path = Path(path)
        self.options = options or BatchOptions()
        self.now = now
        self.batch_id = batch_id_for(self.path, self.options.batch_name)
        self.started_at = now()
        self.intake: Intake | None = None
        self.answers: dict[str, Answer] = {}
        self.plan_: Plan | None = None
        self.extra_issues: list[Issue] = []
        self.skipped: dict[str, tuple[Outcome, str, OrderRecord | None]] = {}
        self.group_of_number: dict[str, OrderGroup] = {}
        self._doc_locks: dict[str, asyncio.Lock] = {}
        self._documents: dict[str, str] = {}
        self.stage = "created"
        self.failure = ""
        self._known: dict[str, OrderRecord] | None = None
        self._open_create_refs: set[str] | None = None

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
        errors = sum(1 for i in intake.issues if i.is_error)
        logger.info(
            "%s: %d row(s) read from sheet %r, %d error(s), %d warning(s)",
            self.path.name,
            len(intake.rows),
            intake.sheet,
            errors,
            len(intake.issues) - errors,
        )
        return intake

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
        """Run the portability checks (the client chunks them) and keep the answers."""
        self.stage = "portability"
        wanted = list(numbers) if numbers is not None else self.numbers_to_check()
        if wanted:
            results = await self.api.check_portability(wanted)
            for result in results:
                answer = _answer_from(result)
                self.answers[answer.phone_number] = answer
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
    def plan(self) -> Plan:
        """Group the rows by account and predict the API's split."""
        self.stage = "plan"
        assert self.intake is not None
        rows = [r for r in self.intake.rows if not r.errors]
        plan = build_plan(self.batch_id, rows, self.answers)
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
        """Run order groups concurrently; one failing group never holds up the others."""
        assert self.plan_ is not None
        self.stage = "orders"
        chosen = list(groups) if groups is not None else self.plan_.groups
        results = await asyncio.gather(*(self.run_group(g) for g in chosen), return_exceptions=True)
        summaries: list[GroupSummary] = []
        for group, result in zip(chosen, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, PortingBatchError):
                    raise result
                summaries.append(GroupSummary(group.key, group.account, attention=[str(result)]))
            else:
                summaries.append(result)
        attention = sum(1 for summary in summaries if summary.attention)
        logger.info(
            "orders: %d group(s) done, %d order(s), %d group(s) need attention",
            len(summaries),
            sum(len(summary.orders) for summary in summaries),
            attention,
        )
        return summaries

    async def run_group(self, group: OrderGroup) -> GroupSummary:
        """Create (or adopt) the group's orders, then choose FOC, attach documents, PATCH and
        confirm each, recording every step in the ledger."""
        summary = GroupSummary(group.key, group.account)
        try:
            records = await self._ensure_orders(group)
        except ApiError as exc:
            self._group_attention(group, f"create failed: {exc}")
            summary.attention.append(str(exc))
            return summary
        documents = await self._documents_for(group)
        for record in records:
            summary.orders.append(record.order_id)
            try:
                await self._complete_order(group, record, documents)
            except ApiError as exc:
                record.attention = f"{type(exc).__name__}: {exc}"
                self.ledger.save_order(record)
                summary.attention.append(record.attention)
        return summary

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
        if missing and group.customer_reference in self._open_creates():
            # A create was sent but its answer never recorded (a crash): adopt what landed.
            known_ids = {o.order_id for o in known.values()}
            for order in await self.api.find_orders_by_reference(group.customer_reference):
                if str(order.id) not in known_ids:
                    record = self._record_order(group, order)
                    mine[record.order_id] = record
            for intent in self.ledger.open_intents(self.batch_id, "create"):
                if intent["target"] == group.customer_reference:
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

    def _open_creates(self) -> set[str]:
        """References of creates sent by an earlier run and never settled, read once per run."""
        if self._open_create_refs is None:
            self._open_create_refs = {
                i["target"] for i in self.ledger.open_intents(self.batch_id, "create")
            }
        return self._open_create_refs

    async def _create(self, group: OrderGroup, numbers: list[str]) -> list[OrderRecord]:
        payload_hash = hashlib.sha256(json.dumps(sorted(numbers)).encode()).hexdigest()
        remaining = list(numbers)
        while remaining:
            intent = self.ledger.record_intent(
                self.batch_id, "create", group.customer_reference, payload_hash
            )
            try:
                orders = await self.api.create_orders(
                    remaining,
                    customer_reference=group.customer_reference,
                    customer_group_reference=self.batch_id,
                )
            except UnprocessableEntityError as exc:
                refused = self._refused_numbers(exc, remaining)
                self.ledger.settle_intent(intent, "failed", str(exc))
                if not refused:
                    raise
                remaining = [n for n in remaining if n not in refused]
                continue
            except ApiError as exc:
                self.ledger.settle_intent(intent, "failed", str(exc))
                raise
            records = [self._record_order(group, order) for order in orders]
            self.ledger.settle_intent(intent, "done", ",".join(r.order_id for r in records))
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

    def _record_order(self, group: OrderGroup, order: Any) -> OrderRecord:
        settings_ = getattr(order, "activation_settings", None)
        numbers = _order_numbers(order)
        country = ""
        if getattr(order, "phone_numbers", None):
            country = str(getattr(order.phone_numbers[0], "country_code", "") or "")
        record = OrderRecord(
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
        self.ledger.save_order(record)
        return record

    async def _documents_for(self, group: OrderGroup) -> dict[str, str]:
        """Upload the group's LOA and invoice, each distinct file once per ledger."""
        ids: dict[str, str] = {}
        for kind, column in DOCUMENT_KINDS:
            name = group.fields.get(column, "")
            if name:
                ids[kind] = await self._document_id(self.path.parent / name)
        return ids

    async def _document_id(self, path: Path) -> str:
        digest = file_sha256(path)
        lock = self._doc_locks.setdefault(digest, asyncio.Lock())
        async with lock:
            if digest in self._documents:
                return self._documents[digest]
            known = self.ledger.document_id(digest)
            if known is None:
                intent = self.ledger.record_intent(self.batch_id, "upload", digest)
                document = await _repeat_if_lost(
                    lambda: self.api.upload_document(path, customer_reference=self.batch_id)
                )
                known = str(document.id)
                self.ledger.save_document(digest, known, path.name)
                self.ledger.settle_intent(intent, "done", known)
            self._documents[digest] = known
            return known

    async def _complete_order(
        self, group: OrderGroup, record: OrderRecord, documents: dict[str, str]
    ) -> None:
        await self._refresh_if_in_doubt(record)
        fingerprint = hashlib.sha256(
            (group.fingerprint + json.dumps(documents, sort_keys=True)).encode()
        ).hexdigest()
        needs_patch = record.patched_fingerprint != fingerprint
        if needs_patch and record.status not in EDITABLE_STATUSES:
            if record.patched_fingerprint:
                record.attention = (
                    f"the file's order data changed, but the order is {record.status}; "
                    "it was not edited"
                )
                self.ledger.save_order(record)
            needs_patch = False
        if needs_patch:
            choice = await self._choose_foc(group, record)
            record.foc_chosen = choice.at.isoformat() if choice.at else ""
            record.foc_reason = choice.reason.value
            body = build_patch(
                group.fields,
                customer_reference=group.customer_reference,
                customer_group_reference=self.batch_id,
                foc=choice.at,
                documents=documents,
            )
            intent = self.ledger.record_intent(self.batch_id, "patch", record.order_id, fingerprint)
            try:
                order = await _repeat_if_lost(lambda: self.api.update_order(record.order_id, body))
            except UnprocessableEntityError as exc:
                self.ledger.settle_intent(intent, "failed", str(exc))
                self._map_patch_errors(group, record, exc)
                record.attention = "; ".join(item.describe() for item in exc.errors) or str(exc)
                record.patched_fingerprint = ""
                self.ledger.save_order(record)
                return
            except ApiError as exc:
                self.ledger.settle_intent(intent, "failed", str(exc))
                raise
            self.ledger.settle_intent(intent, "done")
            record.status = _order_status(order) or record.status
            record.documents = dict(documents)
            record.patched_fingerprint = fingerprint
            record.attention = ""
            self.ledger.save_order(record)
        if self.options.confirm and record.status == "draft" and record.patched_fingerprint:
            intent = self.ledger.record_intent(self.batch_id, "confirm", record.order_id)
            try:
                order = await self._confirm(record.order_id)
            except UnprocessableEntityError as exc:
                self.ledger.settle_intent(intent, "failed", str(exc))
                self._map_patch_errors(group, record, exc)
                record.attention = "confirm refused: " + (
                    "; ".join(item.describe() for item in exc.errors) or str(exc)
                )
                self.ledger.save_order(record)
                return
            self.ledger.settle_intent(intent, "done")
            record.status = _order_status(order) or "in-process"
            record.confirmed = True
            self.ledger.save_order(record)

    async def _refresh_if_in_doubt(self, record: OrderRecord) -> None:
        """After a crash between sending a PATCH or confirm and recording its answer, read the
        order so the run continues from what actually landed."""
        doubtful = [
            i
            for i in self.ledger.open_intents(self.batch_id)
            if i["target"] == record.order_id and i["kind"] in {"patch", "confirm"}
        ]
        if not doubtful:
            return
        order = await self.api.get_order(record.order_id)
        status = _order_status(order)
        if status and status != record.status:
            record.status = status
            record.confirmed = record.confirmed or status != "draft"
            self.ledger.save_order(record)
        for intent in doubtful:
            # A PATCH in doubt is simply sent again (its fingerprint was never recorded).
            self.ledger.settle_intent(
                intent["intent_id"], "unknown", "resolved by reading the order"
            )

    async def _confirm(self, order_id: str) -> Any:
        """Confirm once; if the answer is lost, read the order to learn whether it landed."""
        try:
            return await self.api.confirm_order(order_id)
        except (NoResponseError, ServerError):
            order = await self.api.get_order(order_id)
            if _order_status(order) == "draft":
                return await self.api.confirm_order(order_id)
            return order

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
    def result(self, *, complete: bool = True, failure: str = "") -> BatchResult:
        """Every row accounted for: the BatchResult the reports are written from."""
        intake = self.intake
        orders = {o.order_id: o for o in self.ledger.orders_for_batch(self.batch_id)}
        order_of = {n: o for o in orders.values() if o.status != "deleted" for n in o.phone_numbers}
        numbers: list[NumberResult] = []
        issues = list(intake.issues) if intake else []
        issues.extend(self.extra_issues)
        row_errors: dict[tuple[str, int], list[Issue]] = {}
        for issue in issues:
            if issue.is_error and issue.row and issue.source != "api":
                row_errors.setdefault((issue.sheet, issue.row), []).append(issue)
        for row in intake.rows if intake else []:
            found = row_errors.get((row.sheet, row.row), [])
            targets = row.phone_numbers or [""]
            for number in targets:
                numbers.append(self._number_result(row, number, found, order_of, complete))
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

    def _number_result(
        self,
        row: InputRow,
        number: str,
        errors: list[Issue],
        order_of: Mapping[str, OrderRecord],
        complete: bool,
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
            outcome, reason, record = self.skipped[number]
            result.outcome, result.reason = outcome, reason
            if record is not None:
                result.order_id, result.order_status = record.order_id, record.status
            return result
        if answer is not None and not answer.portable:
            result.outcome = Outcome.NOT_PORTABLE
            result.reason = answer.reason or "not portable"
            return result
        record = order_of.get(number)
        if record is None:
            if self.options.dry_run and group is not None:
                result.outcome, result.reason = Outcome.PLANNED, "would be ordered"
            else:
                result.outcome = Outcome.NOT_PROCESSED
                result.reason = self.failure or "the run stopped before this number's order"
            return result
        result.order_id, result.order_status = record.order_id, record.status
        result.foc_chosen = _parse_time(record.foc_chosen)
        result.foc_reason = record.foc_reason
        if record.attention:
            result.outcome, result.reason = Outcome.NEEDS_ATTENTION, record.attention
        elif record.confirmed or record.status not in {"draft"}:
            result.outcome, result.reason = Outcome.CONFIRMED, f"order {record.status}"
        elif record.patched_fingerprint:
            result.outcome, result.reason = Outcome.READY_AS_DRAFT, "draft order complete"
        else:
            result.outcome = Outcome.NOT_PROCESSED
            result.reason = "order created but not yet completed; run the file again"
        return result

    def _order_result(self, record: OrderRecord) -> OrderResult:
        group = self.group_of_number.get(record.phone_numbers[0]) if record.phone_numbers else None
        account = group.account if group else record.customer_reference
        return order_result(record, account, group.requested_foc if group else None)


def _shown_value(row: InputRow, column: str) -> str:
    if not column:
        return ""
    header = row.header(column)
    return row.raw.get(header, "") if header else row.values.get(column, "")


def _parse_time(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


async def _repeat_if_lost(send: Callable[[], Awaitable[T]]) -> T:
    """Send a write that is safe to repeat, again when its answer was lost."""
    for attempt in range(1, REPEATABLE_WRITE_ATTEMPTS + 1):
        try:
            return await send()
        except (NoResponseError, ServerError) as exc:
            if attempt == REPEATABLE_WRITE_ATTEMPTS:
                raise
            logger.debug("answer lost (%s); sending the same write again", type(exc).__name__)
    raise AssertionError("unreachable")


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
) -> BatchResult:
    """Run one spreadsheet end to end without Prefect; the flow runs the same steps as tasks."""
    run = BatchRun(settings, ledger, api, path, options)
    try:
        run.read()
    except IntakeError as exc:
        run.failure = str(exc)
        run.extra_issues.append(file_issue(exc))
        return run.result(complete=False, failure=str(exc))
    try:
        await run.check()
        run.second_pass()
        run.plan()
        if not run.options.dry_run:
            await run.run_groups()
    except PortingBatchError as exc:
        run.failure = str(exc)
        return run.result(complete=False, failure=str(exc))
    return run.result()
