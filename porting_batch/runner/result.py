"""Every row accounted for: the :class:`BatchResult` of a run, built from its state and the
ledger's order records (read beforehand), by pure functions that write nothing anywhere.

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

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from porting_batch.errors import IntakeError
from porting_batch.intake import InputRow, Intake
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import NumberRecord, OrderRecord
from porting_batch.outcomes import Outcome
from porting_batch.results import BatchResult, NumberResult, OrderResult
from porting_batch.runner.foc import foc_issues
from porting_batch.runner.state import (
    EDITABLE_STATUSES,
    BatchOptions,
    RunState,
    batch_id_for,
    is_held,
    parse_time,
    shown_value,
    unfinished,
)
from porting_batch.safety import mask_secret
from porting_batch.settings import Settings


def build_result(
    settings: Settings,
    state: RunState,
    records: Iterable[OrderRecord],
    *,
    finished_at: datetime,
    complete: bool | None = None,
    failure: str = "",
) -> BatchResult:
    """The run's result from its state and the batch's order records.

    ``complete`` is worked out when not given: a run is complete when no step failed and
    every number reached its outcome (see the module's docstring). ``failure`` then says,
    on one line, how many groups failed and the first reason.
    """
    intake = state.intake
    orders = [o for o in records if o.status != "deleted"]
    order_of = {n: o for o in orders for n in o.phone_numbers}
    issues = list(intake.issues) if intake else []
    issues.extend(state.extra_issues)
    if not state.options.dry_run:
        issues.extend(foc_issues(state, orders))
    row_errors: dict[tuple[str, int], list[Issue]] = {}
    for issue in issues:
        if issue.is_error and issue.row and issue.source != "api":
            # An account's value reported once also explains the other rows it keeps out.
            for row in (issue.row, *issue.rows):
                row_errors.setdefault((issue.sheet, row), []).append(issue)
    numbers = [
        number_result(state, row, number, row_errors.get((row.sheet, row.row), []), order_of)
        for row in (intake.rows if intake else [])
        for number in row.phone_numbers or [""]
    ]
    if complete is None:
        failure = failure or failure_line(state, numbers)
        complete = not failure
    return BatchResult(
        batch_id=state.batch_id,
        name=state.batch_id,
        input_path=state.path,
        content_hash=intake.content_hash if intake else "",
        started_at=state.started_at,
        finished_at=finished_at,
        numbers=numbers,
        orders=(
            planned_orders(state)
            if state.options.dry_run and state.plan is not None
            else run_orders(state, orders)
        ),
        issues=issues,
        settings=settings.public_summary(),
        dry_run=state.options.dry_run,
        confirm=state.options.confirm,
        complete=complete,
        failure=failure,
        input_headers=list(intake.headers) if intake else [],
    )


def run_orders(state: RunState, records: Sequence[OrderRecord]) -> list[OrderResult]:
    """The batch's orders as the reports show them."""
    found = []
    for record in records:
        number = record.phone_numbers[0] if record.phone_numbers else None
        group = state.group_of_number.get(number) if number else None
        # The Account column is the losing carrier's account number (masked by the report),
        # not the group's readable label.
        account = group.fields.get("account_number", "") if group else ""
        made = order_result(record, account, group.requested_foc if group else None)
        if not made.country:
            made.country = _country_of(state, record.phone_numbers)
        made.sent = ", ".join(state.sent.get(record.order_id, ()))
        found.append(made)
    return found


def _country_of(state: RunState, numbers: Sequence[str]) -> str:
    """The numbers' country from the portability answers or the plan, for a record that has
    none (a porting phone number object names no country)."""
    for number in numbers:
        answer = state.answers.get(number)
        if answer is not None and answer.country:
            return answer.country
        group = state.group_of_number.get(number)
        if group is not None:
            for planned in group.planned:
                if number in planned.phone_numbers and planned.key.country:
                    return planned.key.country
    return ""


def planned_orders(state: RunState) -> list[OrderResult]:
    """The orders a dry run would make, as the plan predicts the API's split."""
    groups = state.plan.groups if state.plan is not None else []
    return [
        OrderResult(
            order_id="",
            customer_reference=g.customer_reference,
            account=mask_secret(g.fields.get("account_number", "")),
            country=p.key.country,
            phone_number_type=p.key.phone_number_type,
            carrier=p.key.carrier,
            fast_port=p.key.fast_port,
            phone_numbers=list(p.phone_numbers),
            status="planned",
            foc_requested=g.requested_foc,
        )
        for g in groups
        for p in g.planned
    ]


def number_result(
    state: RunState,
    row: InputRow,
    number: str,
    errors: list[Issue],
    order_of: Mapping[str, OrderRecord],
) -> NumberResult:
    """One number of one row: where it came from and what the run did with it."""
    answer = state.answers.get(number)
    result = NumberResult(
        sheet=row.sheet,
        row=row.row,
        input_value=shown_value(row, "phone_number"),
        phone_number=number,
        outcome=Outcome.NOT_PROCESSED,
        raw=dict(row.raw),
        portable=answer.portable if answer else None,
        fast_portable=answer.fast_portable if answer else None,
        phone_number_type=answer.phone_number_type if answer else "",
        carrier=answer.carrier if answer else "",
    )
    group = state.group_of_number.get(number)
    if group is not None:
        result.account = group.fields.get("account_number", "")
        result.customer_reference = group.customer_reference
    duplicate = [i for i in errors if i.code == "duplicate"]
    if duplicate:
        result.outcome, result.reason = Outcome.DUPLICATE, duplicate[0].message
    elif errors or row.errors:
        result.outcome = Outcome.INVALID_INPUT
        result.reason = "; ".join(i.describe() for i in errors) or "the row has an error"
    elif number in state.skipped:
        skip = state.skipped[number]
        result.outcome, result.reason = skip.outcome, skip.reason
        if skip.record is not None:
            result.order_id, result.order_status = skip.record.order_id, skip.record.status
    elif answer is not None and not answer.portable:
        result.outcome, result.reason = Outcome.NOT_PORTABLE, answer.reason or "not portable"
    else:
        stopped = state.failed_groups.get(group.key, "") if group is not None else ""
        record = order_of.get(number)
        if record is None:
            if state.options.dry_run and group is not None:
                result.outcome, result.reason = Outcome.PLANNED, "would be ordered"
            else:
                result.reason = unfinished(
                    stopped or state.failure or "the run stopped before this number's order"
                )
        else:
            _order_outcome(state, result, record, stopped)
    return result


def _order_outcome(
    state: RunState, result: NumberResult, record: OrderRecord, stopped: str
) -> None:
    """The outcome of a number in ``record``: where its order got to."""
    stopped = state.failed_orders.get(record.order_id, "") or stopped
    result.order_id, result.order_status = record.order_id, record.status
    result.foc_chosen = parse_time(record.foc_chosen)
    result.foc_reason = record.foc_reason
    if record.attention:
        result.outcome, result.reason = Outcome.NEEDS_ATTENTION, record.attention
    elif record.confirmed or record.status not in EDITABLE_STATUSES:
        result.outcome, result.reason = Outcome.CONFIRMED, f"order {record.status}"
    elif not record.patched_fingerprint:
        result.reason = unfinished(stopped or "order created but not yet completed")
    elif is_held(record):
        result.outcome = Outcome.READY_AS_DRAFT
        result.reason = (
            "draft order complete; not confirmed: the requested FOC lies beyond the "
            "windows Telnyx offers today (confirm it closer to the date)"
        )
    elif state.options.confirm and (hold := csr_hold(state, result.phone_number)):
        result.outcome, result.reason = Outcome.READY_AS_DRAFT, hold
    elif state.options.confirm:
        result.reason = unfinished(stopped or "draft order complete but not yet confirmed")
    else:
        result.outcome, result.reason = Outcome.READY_AS_DRAFT, "draft order complete"


def csr_hold(state: RunState, number: str) -> str:
    """Why the number's account is held as a draft by its CSR ("" when it is not)."""
    group = state.group_of_number.get(number)
    return state.csr_holds.get(group.key, "") if group is not None else ""


def failure_line(state: RunState, numbers: Sequence[NumberResult]) -> str:
    """One line saying why the run is incomplete, or "" when it is complete. What to do about
    it (run again) is each surface's own closing words, not repeated here."""
    if state.failure:
        return state.failure
    if state.failed_groups:
        total = len(state.plan.groups) if state.plan is not None else len(state.failed_groups)
        first = next(iter(state.failed_groups.values()))
        return f"{len(state.failed_groups)} of {total} order group(s) failed; first: {first}"
    unfinished_count = sum(1 for n in numbers if not n.outcome.is_final)
    if unfinished_count:
        return f"{unfinished_count} number(s) did not reach their outcome"
    return ""


def order_result(record: OrderRecord, account: str, foc_requested: datetime | None) -> OrderResult:
    """An order as the reports show it, from its ledger record. ``account`` is the losing
    carrier's account number, a secret: it is kept masked, so no artifact, log or console line
    built from the result can show it."""
    return OrderResult(
        order_id=record.order_id,
        customer_reference=record.customer_reference,
        account=mask_secret(account),
        country=record.country,
        phone_number_type=record.phone_number_type,
        carrier=record.carrier,
        fast_port=record.fast_port,
        phone_numbers=list(record.phone_numbers),
        status=record.status,
        foc_requested=foc_requested,
        foc_chosen=parse_time(record.foc_chosen),
        foc_reason=record.foc_reason,
        documents=dict(record.documents),
        attention=record.attention,
        support_key=record.support_key,
    )


def number_record(number: NumberResult) -> NumberRecord:
    """What the ledger keeps of one number: its state, and its portability answer (a re-run
    checks no number it already ordered, yet reports it)."""
    return NumberRecord(
        number.sheet,
        number.row,
        number.phone_number,
        number.outcome.value,
        number.reason,
        number.order_id,
        phone_number_type=number.phone_number_type,
        carrier=number.carrier,
        portable=number.portable,
        fast_portable=number.fast_portable,
    )


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


def _dry_state(path: Path) -> RunState:
    options = BatchOptions(dry_run=True)
    return RunState(batch_id_for(path), path, options, started_at=datetime.now(UTC))


def validation_result(settings: Settings, intake: Intake) -> BatchResult:
    """A result for intake alone (``porting-batch validate``): nothing was sent anywhere."""
    state = _dry_state(intake.path)
    state.intake = intake
    state.failure = "validated only; nothing was sent"
    result = build_result(settings, state, (), finished_at=datetime.now(UTC), complete=True)
    result.validate_only = True
    for number in result.numbers:
        if number.outcome is Outcome.NOT_PROCESSED:
            number.reason = CHECKED_ONLY
    return result


#: The reason of a valid row after ``porting-batch validate``: what a run would do with it.
CHECKED_ONLY = (
    "validated only: the row is valid; a run would check the number's portability and put "
    "it in a draft order (with --confirm, submit it)"
)


def failed_intake_result(settings: Settings, path: Path, exc: IntakeError) -> BatchResult:
    """A result for a file that could not be read at all: the report says why."""
    state = _dry_state(Path(path))
    state.extra_issues.append(file_issue(exc))
    return build_result(
        settings, state, (), finished_at=datetime.now(UTC), complete=False, failure=str(exc)
    )
