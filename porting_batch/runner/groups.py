"""Order groups under way: each group's documents, orders and their completion, many groups
at once, one failing group never holding up the others."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from porting_batch.errors import ApiError, PortingBatchError, UnprocessableEntityError
from porting_batch.plan import OrderGroup
from porting_batch.runner.complete import complete_order
from porting_batch.runner.context import Run, logger
from porting_batch.runner.documents import Documents, refusal_issues
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
        try:
            records = await ensure_orders(run.ledger, run.api, state, self.recorded, group)
        except UnprocessableEntityError as exc:
            # The API refused the request as a whole: the data, not the connection.
            reason = f"create refused: {exc}"
            state.group_attention(group, reason)
            summary.attention.append(reason)
            return summary
        for record in records:
            summary.orders.append(record.order_id)
            if record.order_id in self.recorded.order_ids:
                summary.reused += 1
            else:
                summary.created += 1
            try:
                await complete_order(run, self.recorded, group, record, documents)
            except ApiError as exc:
                reason = describe_failure(exc)
                state.failed_orders[record.order_id] = reason
                self._fail(group, reason)
                summary.failed = summary.failed or reason
            if record.attention:
                summary.attention.append(record.attention)
        return summary

    def _fail(self, group: OrderGroup, reason: str) -> None:
        self.run.state.fail_group(group, reason)
        logger.warning("%s: stopped by %s; the next run retries it", group.account, reason)


def group_runner(run: Run) -> GroupRunner:
    """The run's order step, made (reading the ledger) the first time it is asked for."""
    if run.orders is None:
        run.orders = GroupRunner(run)
    return run.orders
