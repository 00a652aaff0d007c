"""The CSR step: each planned account against its losing carrier's record, before any order.

Runs after the plan and before the order groups (``settings.csr_policy``): ``warn`` turns
every difference into a warning on its cell; ``hold`` also keeps the account's orders as
drafts, even under ``--confirm`` (:attr:`RunState.csr_holds`). A CSR that fails, is not
covered or does not settle by ``settings.csr_deadline_s`` never blocks the run; it is reported
as a warning on the account's first row.
"""

from __future__ import annotations

from porting_batch.csr.diff import cell_issues, differences
from porting_batch.csr.fetch import CsrApi, CsrOutcome, CsrRequest, Waiting, fetch_csrs
from porting_batch.csr.port_type import port_type_issues
from porting_batch.csr.record import CsrStatus
from porting_batch.issues import Issue, Severity
from porting_batch.plan import OrderGroup
from porting_batch.references import reference_key
from porting_batch.runner.context import Run, logger
from porting_batch.runner.state import shown_value

#: Countries whose carriers give CSRs through Telnyx (NANP numbers).
CSR_PREFIX = "+1"
UNAVAILABLE = "csr_unavailable"


def request_for(group: OrderGroup) -> CsrRequest | None:
    """The CSR to ask for an account: by its BTN, else its first number (NANP only)."""
    btn = group.fields.get("billing_phone_number", "") or (
        group.phone_numbers[0] if group.phone_numbers else ""
    )
    if not btn.startswith(CSR_PREFIX):
        return None
    return CsrRequest(
        btn=btn,
        account_number=group.fields.get("account_number", ""),
        pin=group.fields.get("pin_passcode", ""),
    )


async def read_csrs(run: Run, waiting: Waiting | None = None) -> dict[str, CsrOutcome]:
    """Read every planned account's CSR and file what differs; outcomes by group key."""
    state = run.state
    settings = run.settings
    if settings.csr_policy == "off" or state.plan is None:
        return {}
    api = run.api
    if not isinstance(api, CsrApi):
        logger.info("csr: this API has no CSR calls; skipped")
        return {}
    state.stage = "csr"
    wanted = {g.key: r for g in state.plan.groups if (r := request_for(g)) is not None}
    key = reference_key(settings)
    outcomes = await fetch_csrs(
        api,
        run.ledger,
        list(wanted.values()),
        key=key,
        deadline_s=settings.csr_deadline_s,
        refresh=settings.csr_refresh,
        waiting=waiting,
    )
    by_group = {k: outcomes[r] for k, r in wanted.items()}
    for group in state.plan.groups:
        outcome = by_group.get(group.key)
        if outcome is not None:
            _file(run, group, outcome, key)
    _log(by_group)
    run.emit("csr", len(by_group), len(by_group))
    return by_group


def _file(run: Run, group: OrderGroup, outcome: CsrOutcome, key: bytes) -> None:
    """The account's warnings, and its hold under ``hold``."""
    state = run.state
    if outcome.status is not CsrStatus.COMPLETED or outcome.view is None:
        state.extra_issues.append(_unavailable(group, outcome))
        return
    found = differences(group.fields, outcome.view, key=key)
    issues = cell_issues(group.rows, found, shown_value)
    issues += port_type_issues(
        group.rows, group.fields, outcome.view, group.phone_numbers, shown_value
    )
    state.extra_issues.extend(issues)
    if issues and run.settings.csr_policy == "hold":
        columns = sorted({i.column for i in issues})
        state.csr_holds[group.key] = (
            "draft order held: the losing carrier's record (CSR) differs from the sheet in "
            f"{', '.join(columns)}; correct the cells (see the warnings) and run again"
        )


def _unavailable(group: OrderGroup, outcome: CsrOutcome) -> Issue:
    first = group.rows[0]
    what = {
        CsrStatus.PENDING: "the losing carrier's record (CSR) was not ready in time",
        CsrStatus.NOT_COVERED: "no CSR is available for this account",
        CsrStatus.FAILED: "the losing carrier's record (CSR) could not be read",
    }.get(outcome.status, "the CSR could not be read")
    return Issue(
        severity=Severity.WARNING,
        message=f"{what} ({outcome.detail}); the sheet was not checked against it",
        hint="the run went on; run the file again to read it"
        if outcome.status is CsrStatus.PENDING
        else "check the account data by hand against the end user's bill",
        sheet=first.sheet,
        row=first.row,
        code=UNAVAILABLE,
        source="csr",
    )


def _log(by_group: dict[str, CsrOutcome]) -> None:
    counts: dict[str, int] = {}
    for outcome in by_group.values():
        counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
    cached = sum(1 for o in by_group.values() if o.cached)
    shown = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "none"
    logger.info("csr: %d account(s): %s (%d from the ledger)", len(by_group), shown, cached)
