"""What a run shows an operator in the Prefect UI: its summary page and its last log line.

Spoken in the UI's words (the form's fields, the deployments' names), never the command line's
flags: whoever reads these pressed Run in a browser. Secrets are masked by the report's own
:class:`~porting_batch.reports.tables.Tables`, as in the report files.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flows.naming import CONFIRM_DEPLOYMENT
from porting_batch.issues import Issue
from porting_batch.outcomes import Outcome
from porting_batch.reports.tables import Tables
from porting_batch.results import BatchResult
from porting_batch.safety import safe_text

#: Rows listed per table on the page; the count says how many there are in all.
FIRST_ROWS = 200

#: Outcome meanings whose library text names a command-line flag.
_UI_MEANINGS = {
    Outcome.READY_AS_DRAFT: (
        "In a complete draft order; submit it with the confirm-batch deployment, or run the "
        "file again with Run mode 'confirm'."
    ),
}


def outcome_line(result: BatchResult, folder: str) -> str:
    """One line: how the batch ended, what it made, and where its report is."""
    numbers, orders = len(result.numbers), len(result.orders)
    made = f"{numbers} number(s), {orders} order(s) ({_mode_words(result)})"
    if result.complete:
        return f"Completed {result.batch_id}: {made}; report folder {folder}"
    failure = Tables(result).scrub_any(result.failure) or "the run stopped before the end"
    return f"Not complete {result.batch_id}: {failure}; {made}; report folder {folder}"


def summary_page(result: BatchResult, folder: str) -> str:
    """The run's summary artifact: outcome, report folder, what to do next, counts, the numbers
    that are not portable and the rows with errors (the first 200 of each, with the count)."""
    tables = Tables(result)
    state = "complete" if result.complete else "NOT COMPLETE"
    lines = [
        f"# Batch {_md(result.batch_id)}: {state}",
        "",
        f"**Report folder:** `{_md(folder)}`",
        "",
        f"- Mode: {_mode_words(result)}",
        f"- Spreadsheet: `{_md(str(result.input_path))}`",
        f"- {len(result.numbers)} number(s), {len(result.orders)} order(s)",
        "",
        "## What to do next",
        "",
        *[f"- {step}" for step in next_steps(result, tables)],
        "",
        "## Numbers by outcome",
        "",
        "| Outcome | Numbers | Meaning |",
        "|---|---:|---|",
    ]
    for outcome, count in result.counts_by_outcome().items():
        meaning = _UI_MEANINGS.get(Outcome(outcome), Outcome(outcome).description)
        lines.append(f"| {outcome} | {count} | {_md(meaning)} |")
    lines += ["", "## Orders by status", "", "| Status | Orders |", "|---|---:|"]
    lines += [f"| {_md(s)} | {n} |" for s, n in result.orders_by_status().items()] or [
        "| (none) | 0 |"
    ]
    lines += _not_portable(result, tables)
    lines += _errors([i for i in result.issues if i.is_error], tables)
    return "\n".join(lines) + "\n"


def next_steps(result: BatchResult, tables: Tables) -> list[str]:
    """What the operator does now, in the UI's words."""
    steps = []
    if not result.complete:
        failure = tables.scrub_any(result.failure) or "the run stopped before the end"
        steps.append(
            f"The run did not finish ({_md(failure)}). Press Run again with the same "
            "spreadsheet: it resumes where it stopped and creates nothing twice."
        )
    if any(i.is_error for i in result.issues):
        steps.append(
            "Correct the cells listed under Rows with errors in the spreadsheet, then run it "
            "again: the rows already done are not sent twice."
        )
    counts = result.counts_by_outcome()
    if result.dry_run:
        steps.append("Nothing was sent. Run it again with Run mode 'draft' to make the orders.")
    elif counts.get(Outcome.READY_AS_DRAFT.value) and not result.confirm:
        steps.append(
            "The orders are complete drafts; nothing was submitted. Review the report, then "
            f"run the {CONFIRM_DEPLOYMENT} deployment and choose batch "
            f"'{_md(result.batch_id)}' (or run the file again with Run mode 'confirm')."
        )
    elif counts.get(Outcome.CONFIRMED.value):
        steps.append("The orders were submitted to Telnyx; the report lists them.")
    if counts.get(Outcome.NOT_PORTABLE.value):
        steps.append(
            "The numbers listed under Not portable are in no order: Telnyx cannot port them."
        )
    return steps or ["Nothing: every row reached its outcome."]


def scan_page(root: str, outcomes: Sequence[dict[str, Any]]) -> str:
    """The inbox scan's artifact: each drop, how it was filed, where, and why it failed."""
    lines = [
        f"# Inbox scan of `{_md(root)}`",
        "",
        "| Drop | Outcome | Filed in | Why |",
        "|---|---|---|---|",
    ]
    for item in outcomes:
        why = item.get("why") or ("" if item["status"] != "failed" else "see error.md")
        lines.append(
            f"| {_md(item['name'])} | {item['status']} | `{_md(item['filed'])}` | {_md(why)} |"
        )
    return "\n".join(lines) + "\n"


def _not_portable(result: BatchResult, tables: Tables) -> list[str]:
    refused = [n for n in result.numbers if n.outcome is Outcome.NOT_PORTABLE]
    if not refused:
        return []
    lines = [
        "",
        f"## Not portable ({_shown(len(refused))})",
        "",
        "| Row | Number | Reason |",
        "|---|---|---|",
    ]
    for n in refused[:FIRST_ROWS]:
        reason = tables.scrub_row_text(n.reason, n.sheet, n.row)
        lines.append(f"| {_md(f'{n.sheet}!{n.row}')} | {_md(n.phone_number)} | {_md(reason)} |")
    return lines


def _errors(errors: Iterable[Issue], tables: Tables) -> list[str]:
    listed = list(errors)
    if not listed:
        return []
    lines = [
        "",
        f"## Rows with errors ({_shown(len(listed))})",
        "",
        "| Cell | Value | Fix |",
        "|---|---|---|",
    ]
    for issue in listed[:FIRST_ROWS]:
        fix = "; ".join(
            t for t in (tables.scrub_issue_text(t, issue) for t in (issue.message, issue.hint)) if t
        )
        cell = issue.cell or issue.sheet or "(file)"
        lines.append(f"| {_md(cell)} | {_md(tables.issue_value(issue))} | {_md(fix)} |")
    return lines


def _shown(count: int) -> str:
    return f"all {count}" if count <= FIRST_ROWS else f"first {FIRST_ROWS} of {count}"


def _mode_words(result: BatchResult) -> str:
    if result.validate_only:
        return "checked only"
    if result.dry_run:
        return "dry run: nothing sent to Telnyx"
    return "confirm: orders submitted" if result.confirm else "draft: orders not submitted"


def _md(text: str) -> str:
    # One table cell on one line, and no value closing a code span or a cell.
    return safe_text(text).replace("\n", " ").replace("|", "\\|").replace("`", "'")
