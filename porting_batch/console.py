"""What a person at a terminal sees while a batch runs: progress lines (a bar on a terminal), a
line when the batch is busy elsewhere, and a closing summary.

Plain printing, no Prefect: the command line feeds it the library's ``ProgressEvent`` values.
Tracebacks never come here; they go to the log file.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from porting_batch.progress import ProgressEvent
from porting_batch.results import BatchResult

#: What ``done``/``total`` count, per step.
UNITS = {
    "read": "rows",
    "check": "numbers",
    "plan": "groups",
    "orders": "groups",
    "reports": "files",
}
#: How many of the file's first errors the summary shows (the report has them all).
FIRST_ERRORS = 5


def describe(event: ProgressEvent) -> str:
    """One line for an event, e.g. ``orders: 75/200 groups, 81 orders (12 reused)``."""
    unit = UNITS.get(event.step, "")
    line = f"{event.step}: {event.done}/{event.total} {unit}".rstrip()
    counts = dict(event.counts)
    if event.step == "orders" and "orders" in counts:
        line += f", {counts['orders']} orders"
        if counts.get("reused"):
            line += f" ({counts['reused']} reused)"
        if counts.get("attention"):
            line += f", {counts['attention']} need attention"
    else:
        extra = ", ".join(f"{v} {k}" for k, v in counts.items())
        if extra:
            line += f", {extra}"
    return line


def unfinished_line(failure: str, *, file_refused: bool) -> str:
    """The closing line of a run that did not finish. A file that could not be read is fixed
    first: running it again as it is changes nothing."""
    if file_refused:
        return f"NOT RUN: {failure}; fix the file, then run the same command again"
    return f"INCOMPLETE: {failure}; run the same command again to finish"


class RunConsole:
    """Progress and summary printing for one command.

    On a terminal the steps are rich progress bars; otherwise (a log, a pipe, CI) a line per
    step change and, during a long step, the current line again at least every ``interval_s``
    seconds with the time elapsed, so a silent stretch always means a hung process.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        *,
        interactive: bool | None = None,
        interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stdout
        if interactive is None:
            interactive = bool(getattr(self.stream, "isatty", lambda: False)())
        self.interactive = interactive
        self.interval_s = interval_s
        self.clock = clock
        self.started = clock()
        self.last: ProgressEvent | None = None
        self.current = ""  # the line a tick repeats: the last event's, or what began
        self.orders_counts: dict[str, int] = {}
        self._lock = threading.RLock()
        self._printed_at = clock()
        self._printed_line = ""
        self._bar: Any = None
        self._bar_tasks: dict[str, Any] = {}

    # progress ---------------------------------------------------------------------------------
    def begin(self, text: str) -> None:
        """Say what starts now (e.g. reading the file, before its first event); ticks repeat
        it until the first event arrives."""
        self.current = text
        self.line(text)

    def progress(self, event: ProgressEvent) -> None:
        """Take one event: update the bar, or print when the step changed."""
        changed_step = self.last is None or self.last.step != event.step
        self.last = event
        self.current = describe(event)
        if event.step == "orders":
            self.orders_counts = dict(event.counts)
        if self.interactive:
            self._update_bar(event)
            return
        finished = event.total > 0 and event.done >= event.total
        if changed_step or finished:
            self._print_progress(describe(event))

    def tick(self) -> None:
        """Called about every second: repeat the current line if nothing was said for a while."""
        with self._lock:
            if self.interactive or not self.current:
                return
            if self.clock() - self._printed_at >= self.interval_s:
                self._print_progress(self.current)

    def ticking(self) -> _Ticker:
        """A context in which a background thread calls :meth:`tick` every second: it keeps
        talking while the work blocks (reading a large file holds the event loop)."""
        return _Ticker(self)

    def _print_progress(self, line: str) -> None:
        elapsed = self.clock() - self.started
        self.line(f"{line} [{elapsed:.0f} s]")

    def _update_bar(self, event: ProgressEvent) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        if self._bar is None:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[detail]}"),
                console=Console(file=self.stream),
            )
            self._bar.start()
        task = self._bar_tasks.get(event.step)
        detail = describe(event).split(", ", 1)[1] if ", " in describe(event) else ""
        if task is None:
            task = self._bar.add_task(event.step, total=event.total or None, detail=detail)
            self._bar_tasks[event.step] = task
        self._bar.update(task, completed=event.done, total=event.total or None, detail=detail)

    def close(self) -> None:
        """Stop the bar, if any, leaving it on the screen."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
            self._bar_tasks = {}

    # lines -------------------------------------------------------------------------------------
    def line(self, text: str) -> None:
        """Print one line now."""
        with self._lock:
            if self._bar is not None:
                self._bar.console.print(text, markup=False, highlight=False)
            else:
                print(text, file=self.stream, flush=True)
            self._printed_at = self.clock()
            self._printed_line = text

    def waiting(self, batch_id: str, holder: str) -> None:
        """The batch is being run elsewhere: say so at once."""
        text = holder if "waiting" in holder else f"batch {batch_id} is being run by {holder}"
        self.line(text if text.endswith("waiting") else f"{text}; waiting")

    # summary -----------------------------------------------------------------------------------
    def summary(self, result: BatchResult, report_folder: str) -> None:
        """The closing summary: numbers per outcome, orders created and reused, first errors."""
        self.close()
        out = self.line
        out("")
        orders = len(result.orders)
        made = ""
        if self.orders_counts and not result.dry_run:
            created = self.orders_counts.get("created", 0)
            reused = self.orders_counts.get("reused", 0)
            made = f" ({created} created, {reused} reused)"
        out(f"Batch {result.batch_id}: {len(result.numbers)} number(s), {orders} order(s){made}")
        for outcome, count in result.counts_by_outcome().items():
            out(f"  {outcome:<18} {count}")
        statuses = result.orders_by_status()
        if statuses and not result.dry_run:
            out("  orders by status: " + ", ".join(f"{k}: {v}" for k, v in statuses.items()))
        errors = [i for i in result.issues if i.is_error]
        # A file that could not be read has that one error, which the closing line gives.
        if errors and not result.file_refused:
            out(f"First errors ({len(errors)} in all; every one is in the report):")
            for issue in errors[:FIRST_ERRORS]:
                out(f"  {issue.describe()}")
        attention = [o for o in result.orders if o.attention]
        if attention:
            out(f"Orders needing attention ({len(attention)}):")
            for order in attention[:FIRST_ERRORS]:
                out(f"  {order.order_id or order.customer_reference}: {order.attention}")
        if not result.complete:
            out("  " + unfinished_line(result.failure, file_refused=result.file_refused))
        out(f"Reports: {report_folder}")


class _Ticker:
    """Calls ``console.tick()`` every second from a daemon thread while the block runs."""

    def __init__(self, console: RunConsole) -> None:
        self.console = console
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="console-ticker", daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            self.console.tick()

    def __enter__(self) -> RunConsole:
        self.thread.start()
        return self.console

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()
