"""One scan of the inbox: resume, claim what settled, run each claim, file it."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from porting_batch.inbox.claims import Claim, claim, logger, pending_claims, record_attempt
from porting_batch.inbox.entries import InboxPaths, entry_problem, ready, take_looks
from porting_batch.inbox.filing import Status, earlier_result, finish

#: Runs a claim: each batch's summary (``batch_id``, ``report_folder``, ``complete``,
#: ``failure``...), or one line saying why it could not run at all.
ClaimRunner = Callable[[Claim], Awaitable[list[dict[str, Any]] | str]]


async def claim_settled(paths: InboxPaths, settle_s: float) -> list[Claim]:
    """Two looks ``settle_s`` apart; claim every entry that did not change between them."""
    first = take_looks(paths.inbox)
    if not first:
        return []
    await asyncio.sleep(settle_s)
    second = take_looks(paths.inbox)
    claims = [c for name in ready(first, second) if (c := claim(paths, name)) is not None]
    waiting = sorted(set(second) - {c.original_name for c in claims})
    if waiting:
        logger.info("still being written, left for the next scan: %s", waiting)
    return claims


def file_without_run(paths: InboxPaths, found: Claim) -> tuple[Status, Path] | None:
    """File a claim that must not run: content already done (unless forced), or not a
    spreadsheet. None when it should run."""
    if not found.forced:
        earlier = earlier_result(paths, found.sha256)
        if earlier is not None:
            logger.info("%s: same content as %s; not run again", found.original_name, earlier)
            return "duplicate", finish(paths, found, "duplicate", earlier=earlier)
    problem = entry_problem(found.item)
    if problem:
        return "failed", finish(paths, found, "failed", error=problem)
    return None


def file_run(
    paths: InboxPaths,
    found: Claim,
    outcome: list[dict[str, Any]] | str,
    ledger_url: str,
) -> tuple[Status, Path]:
    """File a claim after its run: ``done`` when every batch completed, else ``failed`` with
    why; the ledger then records where each batch's reports moved to."""
    if isinstance(outcome, str):
        return "failed", finish(paths, found, "failed", error=outcome)
    inside = _reports_inside(found, outcome)
    incomplete = [s for s in outcome if not s.get("complete")]
    if incomplete:
        error = "; ".join(
            f"{s['batch_id']}: {s.get('failure') or 'incomplete'}" for s in incomplete
        )
        target = finish(paths, found, "failed", summaries=outcome, error=error)
    else:
        target = finish(paths, found, "done", summaries=outcome)
    _point_ledger_at(ledger_url, target, inside)
    return ("failed" if incomplete else "done"), target


async def run_claims(
    paths: InboxPaths,
    claims: list[Claim],
    run: ClaimRunner,
    *,
    max_runs: int,
    ledger_url: str,
) -> list[dict[str, str]]:
    """Run and file each claim, up to ``max_runs`` at once; one outcome per claim."""
    slots = asyncio.Semaphore(max_runs)
    # Same content or same batch name: one after the other, so the second sees the first's
    # result (a duplicate) or resumes the same ledger batch instead of racing it.
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def one(found: Claim) -> dict[str, str]:
        async with (
            locks["sha:" + found.sha256],
            locks["name:" + found.item.name.lower()],
            slots,
        ):
            filed = file_without_run(paths, found)
            if filed is None:
                filed = file_run(paths, found, await run(found), ledger_url)
        status, where = filed
        return {"name": found.original_name, "status": status, "filed": str(where)}

    return list(await asyncio.gather(*(one(c) for c in claims)))


async def scan_inbox(
    paths: InboxPaths,
    run: ClaimRunner,
    *,
    settle_s: float,
    max_runs: int,
    ledger_url: str,
    claim_ready: Callable[[InboxPaths, float], Awaitable[list[Claim]]] = claim_settled,
) -> dict[str, Any]:
    """One scan: resume what a crash left in ``processing/``, claim the settled drops, run
    each with ``run`` and file it in ``done/`` or ``failed/``."""
    resumed = [record_attempt(c) for c in pending_claims(paths)]
    if resumed:
        logger.info("resuming %d claim(s) left in processing/", len(resumed))
    claims = await claim_ready(paths, settle_s)
    outcomes = await run_claims(
        paths, [*resumed, *claims], run, max_runs=max_runs, ledger_url=ledger_url
    )
    return {
        "root": str(paths.root),
        "resumed": [c.original_name for c in resumed],
        "claimed": [c.original_name for c in claims],
        "outcomes": outcomes,
    }


def _reports_inside(found: Claim, summaries: list[dict[str, Any]]) -> dict[str, Path]:
    """Each batch's report folder relative to the claim, which is about to move."""
    inside: dict[str, Path] = {}
    for summary in summaries:
        folder = Path(summary.get("report_folder", ""))
        if folder.is_relative_to(found.folder):
            inside[summary["batch_id"]] = folder.relative_to(found.folder)
    return inside


def _point_ledger_at(ledger_url: str, target: Path, inside: dict[str, Path]) -> None:
    """Record where the reports are now that the claim was filed in done/ or failed/."""
    if not inside:
        return
    from porting_batch.ledger import Ledger  # only a scan that ran a batch needs the ledger

    with Ledger(ledger_url) as ledger:
        for batch_id, relative in inside.items():
            ledger.set_report_folder(batch_id, str(target / relative))
