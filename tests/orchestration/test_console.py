"""What the console shows during a run: progress lines, a bar on a terminal, the summary."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from porting_batch.console import RunConsole, describe
from porting_batch.issues import Issue, Severity
from porting_batch.outcomes import Outcome
from porting_batch.progress import ProgressEvent
from porting_batch.results import BatchResult, NumberResult, OrderResult


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _orders(done: int, orders: int, reused: int) -> ProgressEvent:
    counts = {"orders": orders, "created": orders - reused, "reused": reused, "attention": 0}
    return ProgressEvent("orders", done, 200, counts)


def test_an_orders_event_reads_as_groups_orders_and_reused():
    """The orders line says groups done of all, orders and how many were reused."""
    assert describe(_orders(75, 81, 12)) == "orders: 75/200 groups, 81 orders (12 reused)"


def test_a_long_step_repeats_its_line_at_least_every_five_seconds():
    """Off a terminal: a line when a step starts, then again every 5 s while it runs, never
    the same line twice in a row without the time moving."""
    clock, stream = Clock(), io.StringIO()
    console = RunConsole(stream, interactive=False, clock=clock)
    console.progress(ProgressEvent("check", 0, 2000))
    console.progress(ProgressEvent("check", 100, 2000))  # same step: no new line yet
    clock.now = 4.0
    console.tick()
    clock.now = 5.5
    console.progress(_orders(75, 81, 12))
    clock.now = 10.6
    console.tick()
    lines = stream.getvalue().splitlines()
    assert lines == [
        "check: 0/2000 numbers [0 s]",
        "orders: 75/200 groups, 81 orders (12 reused) [6 s]",
        "orders: 75/200 groups, 81 orders (12 reused) [11 s]",
    ]


def test_on_a_terminal_the_steps_are_a_bar():
    """With a terminal the progress is a rich bar showing done/total."""
    stream = io.StringIO()
    console = RunConsole(stream, interactive=True)
    console.progress(_orders(75, 81, 12))
    console.close()
    shown = stream.getvalue()
    assert "75/200" in shown and "81 orders (12 reused)" in shown


def _result() -> BatchResult:
    now = datetime(2026, 11, 30, tzinfo=UTC)
    numbers = [
        NumberResult("Numbers", 2, "312-555-0100", "+13125550100", Outcome.READY_AS_DRAFT),
        NumberResult("Numbers", 3, "312-555-01", "", Outcome.INVALID_INPUT),
    ]
    issue = Issue(
        Severity.ERROR,
        "not a phone number",
        hint="write 10 digits",
        sheet="Numbers",
        row=3,
        column="phone_number",
        column_letter="A",
        value="312-555-01",
    )
    order = OrderResult("o-1", "ref", "Acme", "US", "local", "X", False, ["+13125550100"], "draft")
    return BatchResult(
        "march", "march", Path("march.xlsx"), "", now, now, numbers, [order], [issue]
    )


def test_the_summary_counts_created_and_reused_orders_and_shows_the_first_errors():
    """The closing summary: outcomes, orders created versus reused, first errors' cells."""
    stream = io.StringIO()
    console = RunConsole(stream, interactive=False)
    console.progress(ProgressEvent("orders", 1, 1, {"orders": 1, "created": 0, "reused": 1}))
    console.summary(_result(), "reports/march-1")
    shown = stream.getvalue()
    assert "1 order(s) (0 created, 1 reused)" in shown
    assert "Numbers!A3 (phone_number): '312-555-01': not a phone number" in shown
    assert shown.rstrip().endswith("Reports: reports/march-1")


def test_a_busy_batch_is_announced_at_once():
    """When another run holds the batch, the console says who and that it waits."""
    stream = io.StringIO()
    RunConsole(stream, interactive=False).waiting("march", "pid 42 on host-a")
    assert stream.getvalue() == "batch march is being run by pid 42 on host-a; waiting\n"


def test_the_ticker_keeps_talking_while_the_work_blocks():
    """While the main thread is blocked (reading a large file holds the event loop), the
    ticker thread repeats what is going on."""
    import threading

    stream = io.StringIO()
    console = RunConsole(stream, interactive=False, interval_s=0.0)
    console.begin("Batch big: reading big.xlsx")
    seen = threading.Event()

    def repeated() -> bool:
        return stream.getvalue().count("reading big.xlsx") >= 3

    with console.ticking():
        for _ in range(600):  # the blocked work: returns as soon as the ticker spoke twice
            if seen.wait(0.1) or repeated():
                break
    assert repeated(), stream.getvalue()
    assert stream.getvalue().splitlines()[1].startswith("Batch big: reading big.xlsx [")
