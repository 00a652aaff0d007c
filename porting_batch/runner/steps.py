"""The steps before any order: read the file, check portability, validate again, plan.

Each is a plain function over the run's state; what it needs of the settings, the ledger or the
API it takes from the :class:`~porting_batch.runner.context.Run` it is given.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from porting_batch.client.models import PortabilityResult
from porting_batch.files import file_sha256
from porting_batch.intake import Intake, read_batch
from porting_batch.intake import second_pass as second_pass_rules
from porting_batch.issues import Issue, Severity
from porting_batch.ledger import GroupRecord, NumberRecord, OrderRecord
from porting_batch.outcomes import Outcome
from porting_batch.plan import Answer, Plan, build_plan
from porting_batch.references import reference_key
from porting_batch.runner.context import Run, logger
from porting_batch.runner.state import DOCUMENT_KINDS, RunState, Skip


# 1. intake --------------------------------------------------------------------------------------
def read(run: Run) -> Intake:
    """Read and validate the spreadsheet, record the batch in the ledger, and hash each
    document the valid rows name (only those bytes may be uploaded later)."""
    state = run.state
    state.stage = "intake"
    intake = read_batch(state.path, run.settings, today=run.now().date())
    state.intake = intake
    run.ledger.start_batch(
        state.batch_id,
        name=state.batch_id,
        file_name=str(state.path),
        content_hash=intake.content_hash,
        settings=run.settings.public_summary(),
    )
    hash_documents(state)
    errors = sum(1 for i in intake.issues if i.is_error)
    logger.info(
        "%s: %d row(s) read from sheet %r, %d error(s), %d warning(s)",
        state.path.name,
        len(intake.rows),
        intake.sheet,
        errors,
        len(intake.issues) - errors,
    )
    run.emit("read", len(intake.rows), len(intake.rows), {"errors": errors})
    return intake


def hash_documents(state: RunState) -> None:
    """Hash each document the valid rows name, now: only these bytes may be uploaded."""
    rows = state.intake.rows if state.intake is not None else []
    names = {
        row.values.get(column, "") for row in rows if not row.errors for _, column in DOCUMENT_KINDS
    }
    for name in sorted(n for n in names if n):
        with contextlib.suppress(OSError):
            state.document_digests[name] = file_sha256(state.path.parent / name)


# 2. portability ---------------------------------------------------------------------------------
def numbers_to_check(run: Run) -> list[str]:
    """Valid numbers not already in an order: those of other batches are skipped here."""
    state = run.state
    numbers = state.valid_numbers()
    active = run.ledger.active_orders_for_numbers(numbers)
    to_check = []
    ours: dict[str, OrderRecord] = {}
    for number in numbers:
        record = active.get(number)
        if record is None:
            to_check.append(number)
        elif record.batch_id != state.batch_id:
            state.skipped[number] = Skip(
                Outcome.ALREADY_IN_ORDER,
                f"already in order {record.order_id} ({record.status}) of batch {record.batch_id}",
                record,
            )
        else:
            ours[number] = record
    if ours:
        keep_answers(run, ours)
    return to_check


def keep_answers(run: Run, ordered: dict[str, OrderRecord]) -> None:
    """The answers of numbers this batch already ordered (not checked again), from what the
    ledger kept of them, else from their order: its reports still show them."""
    kept = {n.phone_number: n for n in run.ledger.numbers_for_batch(run.state.batch_id)}
    for number, order in ordered.items():
        known = kept.get(number)
        if known is None or known.portable is None:
            known = NumberRecord("", 0, number, "", fast_portable=order.fast_port)
        run.state.answers[number] = Answer(
            phone_number=number,
            portable=True,
            fast_portable=bool(known.fast_portable),
            phone_number_type=known.phone_number_type or order.phone_number_type,
            carrier=known.carrier or order.carrier,
            country=order.country,
        )


def answer_from(result: PortabilityResult) -> Answer:
    """The runner's reading of one portability answer."""
    return Answer(
        phone_number=result.phone_number,
        portable=result.portable,
        fast_portable=result.fast_portable,
        reason=result.not_portable_reason or "",
        phone_number_type=result.phone_number_type or "",
        carrier=result.carrier_name or "",
        spid=result.spid or "",
        country=result.country_code or "",
    )


async def check(run: Run, numbers: Sequence[str]) -> dict[str, Answer]:
    """Run the portability checks of ``numbers``, one API chunk at a time (concurrently), and
    keep the answers; a ``check`` progress event follows each chunk."""
    state = run.state
    state.stage = "portability"
    wanted = list(numbers)
    size = run.settings.check_chunk_size
    chunks = [wanted[i : i + size] for i in range(0, len(wanted), size)]
    done = 0

    async def one(chunk: list[str]) -> None:
        nonlocal done
        for result in await run.api.check_portability(chunk):
            answer = answer_from(result)
            state.answers[answer.phone_number] = answer
        done += len(chunk)
        run.emit("check", done, len(wanted))

    outcomes = await asyncio.gather(*(one(c) for c in chunks), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return state.answers


def log_portability(state: RunState, numbers: Sequence[str]) -> None:
    """One line on how many of the checked numbers are not portable."""
    # A fix checks nothing: its new numbers have no answer.
    refused = sum(1 for n in numbers if n in state.answers and not state.answers[n].portable)
    logger.info("portability: %d number(s) checked, %d not portable", len(numbers), refused)


def second_pass(state: RunState) -> list[Issue]:
    """Validation rules that need the portability answers (mobile needs PIN and account);
    a row they fail is left out of the plan."""
    assert state.intake is not None
    facts = {
        n: {
            "phone_number_type": a.phone_number_type,
            "portable": a.portable,
            "carrier_name": a.carrier,
        }
        for n, a in state.answers.items()
    }
    issues = second_pass_rules(state.intake, facts)
    state.extra_issues.extend(issues)
    failing = {(i.sheet, row) for i in issues if i.is_error for row in (i.row, *i.rows)}
    for row in state.intake.rows:
        if (row.sheet, row.row) in failing:
            row.errors = True
    return issues


# 3. plan ----------------------------------------------------------------------------------------
def plan(run: Run) -> Plan:
    """Group the valid rows by account, predict the API's split, and record the groups."""
    state = run.state
    state.stage = "plan"
    assert state.intake is not None
    # Rows marked cancel are never ordered; cancel.apply_cancellations handles their orders.
    rows = [r for r in state.intake.rows if not r.errors and r.values.get("action") != "cancel"]
    made = build_plan(state.batch_id, rows, state.answers, key=reference_key(run.settings))
    for group in made.groups:
        group.phone_numbers = [n for n in group.phone_numbers if n not in state.skipped]
        for planned in group.planned:
            planned.phone_numbers = [n for n in planned.phone_numbers if n not in state.skipped]
        group.planned = [p for p in group.planned if p.phone_numbers]
        for number in group.phone_numbers:
            state.group_of_number[number] = group
    made.groups = [g for g in made.groups if g.phone_numbers]
    state.plan = made
    if not state.options.dry_run:
        run.ledger.save_groups(
            state.batch_id,
            (
                GroupRecord(g.key, g.customer_reference, g.account, g.fingerprint)
                for g in made.groups
            ),
        )
    records = run.ledger.orders_for_batch(state.batch_id)
    state.extra_issues.extend(removed_rows(state, records))
    made_before, to_create = expected_orders(made, records)
    in_other = sum(1 for s in state.skipped.values() if s.outcome is Outcome.ALREADY_IN_ORDER)
    logger.info(
        "plan: %d account group(s), %d order(s) expected (%d made by earlier runs, %d to "
        "create), %d number(s) already in orders of other batches",
        len(made.groups),
        made_before + to_create,
        made_before,
        to_create,
        in_other,
    )
    run.emit("plan", len(made.groups), len(made.groups), {"orders": made.planned_orders})
    return made


def expected_orders(made: Plan, records: Sequence[OrderRecord]) -> tuple[int, int]:
    """(orders earlier runs of the batch made, planned orders still to create): a re-run
    expects both, not only the new ones."""
    live = [r for r in records if r.status != "deleted"]
    ordered = {n for r in live for n in r.phone_numbers}
    to_create = sum(
        1
        for group in made.groups
        for planned in group.planned
        if any(n not in ordered for n in planned.phone_numbers)
    )
    return len(live), to_create


def removed_rows(state: RunState, records: Sequence[OrderRecord]) -> list[Issue]:
    """A warning for each order holding numbers that are no longer in the file."""
    rows = state.intake.rows if state.intake is not None else []
    numbers_now = {n for row in rows for n in row.phone_numbers}
    found = []
    for record in records:
        if record.status == "deleted":
            continue
        gone = [n for n in record.phone_numbers if n not in numbers_now]
        if gone:
            found.append(
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
    return found
