"""Order groups under way: each group's documents, orders and their completion, many groups
at once, one failing group never holding up the others."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from porting_batch.errors import (
    ApiError,
    NotFoundError,
    PortingBatchError,
    UnprocessableEntityError,
)
from porting_batch.ledger import OrderRecord, OrderStatus
from porting_batch.plan import OrderGroup
from porting_batch.runner.complete import complete_order
from porting_batch.runner.context import Run, logger
from porting_batch.runner.documents import Documents, DocumentsGone, refusal_issues
from porting_batch.runner.intents import Recorded
from porting_batch.runner.orders import ensure_orders
from porting_batch.runner.state import GroupSummary, describe_failure
from porting_batch.settings import Settings


def group_concurrency(settings: Settings) -> int:
    """How many order groups may be under way at once: half again the requests the client
    may have in flight (a group sends one request at a time), so that the pacer always has
    the next request waiting while a group does its own work between requests."""
    return settings.max_in_flight + max(2, settings.max_in_flight // 2)


class GroupRunner:
    """The order step of one run: what the ledger held when it began, the documents, the
    slots every chunk of groups shares, and the progress told so far."""

    def __init__(self, run: Run) -> None:
        state = run.state
        self.run = run
        self.recorded = Recorded.read(run.ledger, state.batch_id, state.document_digests.values())
        self.documents = Documents(run.ledger, run.api, state, self.recorded)
        self.slots = asyncio.Semaphore(group_concurrency(run.settings))
        self.total = len(state.plan.groups) if state.plan is not None else 0
        self.done = 0
        self.counts = {"orders": 0, "created": 0, "reused": 0, "attention": 0}

    async def run_groups(self, groups: Sequence[OrderGroup]) -> list[GroupSummary]:
        """Run ``groups`` concurrently, at most :func:`group_concurrency` of the run's groups
        under way at once however many chunks run together: enough to keep the client's every
        request slot busy, few enough that memory and scheduling stay flat.

        A group stopped by an API (or ledger) failure is recorded in the state's
        ``failed_groups``: the run is then incomplete and the next run retries it.
        """
        self.run.state.stage = "orders"
        summaries: dict[int, GroupSummary] = {}
        errors: list[BaseException] = []
        pending = iter(enumerate(groups))

        async def worker() -> None:
            for position, group in pending:
                async with self.slots:
                    try:
                        summaries[position] = await self._one(group)
                    except Exception as exc:  # a bug: the other groups still run to their end
                        errors.append(exc)

        workers = min(len(groups), group_concurrency(self.run.settings))
        await asyncio.gather(*(worker() for _ in range(workers)))
        if errors:
            raise errors[0]
        ordered = [summaries[i] for i in range(len(groups))]
        logger.info(
            "orders: %d group(s) done, %d order(s), %d group(s) need attention, %d failed",
            len(ordered),
            sum(len(summary.orders) for summary in ordered),
            sum(1 for summary in ordered if summary.attention),
            sum(1 for summary in ordered if summary.failed),
        )
        return ordered

    async def _one(self, group: OrderGroup) -> GroupSummary:
        try:
            summary = await self.run_group(group)
        except PortingBatchError as exc:
            self._fail(group, describe_failure(exc))
            summary = GroupSummary(group.key, group.account, failed=describe_failure(exc))
        self.done += 1
        self.counts["orders"] += len(summary.orders)
        self.counts["created"] += summary.created
        self.counts["reused"] += summary.reused
        self.counts["attention"] += 1 if summary.attention else 0
        self.run.emit("orders", self.done, self.total, self.counts)
        return summary

    async def run_group(self, group: OrderGroup) -> GroupSummary:
        """Upload the group's documents, create (or adopt) its orders, then choose FOC, PATCH
        and confirm each, recording every step in the ledger.

        API failures propagate (the caller records the group as failed) except those of one
        order's own steps, which stop that order only.
        """
        run, state = self.run, self.run.state
        summary = GroupSummary(group.key, group.account)
        documents, refusals = await self.documents.for_group(group)
        if refusals:
            state.extra_issues.extend(refusal_issues(group, refusals))
            state.group_attention(group, "; ".join(r.message for r in refusals))
            summary.attention.extend(r.message for r in refusals)
            return summary
        finished: set[str] = set()
        # A second pass only when an order of the first was gone at Telnyx: its numbers get a
        # new order, which is never itself gone.
        for _ in range(2):
            try:
                records = await ensure_orders(run.ledger, run.api, state, self.recorded, group)
            except UnprocessableEntityError as exc:
                # The API refused the request as a whole: the data, not the connection.
                reason = f"create refused: {exc}"
                state.group_attention(group, reason)
                summary.attention.append(reason)
                return summary
            gone = False
            for record in records:
                if record.order_id in finished:
                    continue
                finished.add(record.order_id)
                try:
                    documents = await self.complete(group, record, documents)
                except NotFoundError:
                    self._gone(record)
                    gone = True
                    continue
                except ApiError as exc:
                    reason = describe_failure(exc)
                    state.failed_orders[record.order_id] = reason
                    self._fail(group, reason)
                    summary.failed = summary.failed or reason
                summary.orders.append(record.order_id)
                if record.order_id in self.recorded.order_ids:
                    summary.reused += 1
                else:
                    summary.created += 1
                if record.attention:
                    summary.attention.append(record.attention)
            if not gone:
                break
        return summary

    async def complete(
        self, group: OrderGroup, record: OrderRecord, documents: dict[str, str]
    ) -> dict[str, str]:
        """Complete the order; documents Telnyx no longer holds are uploaded again (once) and
        the order completed with them. Returns the documents the group now uses."""
        try:
            await complete_order(self.run, self.recorded, group, record, documents)
            return documents
        except DocumentsGone as exc:
            logger.info("%s: %s; uploading them again", group.account, exc)
            self.documents.forget(exc.document_ids)
        renewed, refusals = await self.documents.for_group(group)
        if refusals:
            # The files changed since intake: the operator's to fix, as at the group's start.
            state = self.run.state
            state.extra_issues.extend(refusal_issues(group, refusals))
            record.attention = "; ".join(r.message for r in refusals)
            state.group_attention(group, record.attention)
            self.run.ledger.save_order(record)
            return renewed
        await complete_order(self.run, self.recorded, group, record, renewed)
        return renewed

    def _gone(self, record: OrderRecord) -> None:
        """The order is no longer at Telnyx (a draft is deleted 30 days after it is made, or
        by hand in the portal): recorded as deleted, its numbers free for a new order."""
        logger.warning("order %s is gone at Telnyx; its numbers get a new order", record.order_id)
        ledger, batch_id = self.run.ledger, self.run.state.batch_id
        record.status = OrderStatus.DELETED.value
        ledger.save_order(record)
        for intent in ledger.open_intents_for(
            batch_id, record.order_id, kinds=("patch", "confirm")
        ):
            ledger.settle_intent(intent["intent_id"], "failed", "the order is gone at Telnyx")
        for number in record.phone_numbers:
            if self.recorded.orders.get(number) is record:
                del self.recorded.orders[number]

    def _fail(self, group: OrderGroup, reason: str) -> None:
        self.run.state.fail_group(group, reason)
        logger.warning("%s: stopped by %s; the next run retries it", group.account, reason)


def group_runner(run: Run) -> GroupRunner:
    """The run's order step, made (reading the ledger) the first time it is asked for."""
    if run.orders is None:
        run.orders = GroupRunner(run)
    return run.orders
