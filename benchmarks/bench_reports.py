"""Benchmark: the reports of a 100,000-row batch (issue #8: <= 15 s, <= 150 MB over baseline).

Builds a BatchResult in memory (12 operator columns, 2 numbers from ranges per 50 rows,
one issue per 12 rows, one order per 200 numbers), then times ``write_reports`` in this process
and reports the peak RSS above the RSS measured just before the call. The machine is shared:
when wall time is far above CPU time, other processes were competing for the cores.

    cd /work/main && .venv/bin/python benchmarks/bench_reports.py [--rows 100000] [--repeat 1]

With ``--with-input`` the operator's workbook is written too (openpyxl, write-only), so the
annotated copy is timed as well; use it with ``--rows 20000``, the largest input annotated.
With ``--frames`` the DataFrames of ``result_frames`` (the notebook view) are timed after the
reports, pandas' import included, with their own peak memory.

Peak RSS comes from /proc/self/status (VmHWM), reset through /proc/self/clear_refs where the
kernel allows it; otherwise the figure is the process peak minus the baseline.
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook

from porting_batch.issues import Issue, Severity
from porting_batch.outcomes import Outcome
from porting_batch.reports import write_reports
from porting_batch.reports.frames import result_frames
from porting_batch.results import BatchResult, NumberResult, OrderResult

HEADERS = [
    "Phone Number", "Country", "Entity Name", "Auth Person", "Account #", "PIN", "BTN",
    "Street", "City", "State", "ZIP", "Requested FOC",
]  # fmt: skip
OUTCOMES = [
    Outcome.READY_AS_DRAFT, Outcome.READY_AS_DRAFT, Outcome.READY_AS_DRAFT, Outcome.CONFIRMED,
    Outcome.NOT_PORTABLE, Outcome.INVALID_INPUT, Outcome.DUPLICATE, Outcome.NEEDS_ATTENTION,
]  # fmt: skip


def write_input(result: BatchResult) -> None:
    """The operator's workbook the batch came from: header row, then one row per input row."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Numbers")
    sheet.append(HEADERS)
    last = 0
    for number in result.numbers:
        if number.row != last:
            sheet.append([number.raw[header] for header in HEADERS])
            last = number.row
    book.save(result.input_path)


def build(rows: int, folder: Path) -> BatchResult:
    """A BatchResult of ``rows`` input rows, as a real run of that size would produce."""
    start = datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    foc = start + timedelta(days=7)
    numbers: list[NumberResult] = []
    issues: list[Issue] = []
    orders: list[OrderResult] = []
    order_numbers: list[str] = []
    for index in range(rows):
        row = index + 2
        phone = f"+1312{index:07d}"
        raw = {
            "Phone Number": phone,
            "Country": "US",
            "Entity Name": f"Customer {index // 200} Inc",
            "Auth Person": "Pat Doe",
            "Account #": f"{8800000000 + index // 200}",
            "PIN": f"{index % 10000:04d}",
            "BTN": f"+1312{(index // 200):07d}",
            "Street": f"{index % 900 + 1} Main Street",
            "City": "Chicago",
            "State": "IL",
            "ZIP": "60601",
            "Requested FOC": "2026-12-03",
        }
        phones = [phone, f"+1313{index:07d}"] if index % 50 == 0 else [phone]
        for number in phones:
            outcome = OUTCOMES[index % len(OUTCOMES)]
            order_id = f"ord_{index // 200:06d}" if outcome.is_success else ""
            numbers.append(
                NumberResult(
                    "Numbers", row, phone, number, outcome,
                    reason="" if outcome.is_success else "the carrier says it is not active",
                    raw=raw, account=raw["Account #"], order_id=order_id,
                    order_status="draft" if order_id else "", phone_number_type="local",
                    carrier="Bell Local", fast_portable=True, portable=True,
                    foc_chosen=foc if order_id else None,
                    foc_reason="earliest allowed" if order_id else "",
                )
            )  # fmt: skip
            if order_id:
                order_numbers.append(number)
        if index % 12 == 0:
            issues.append(
                Issue(
                    Severity.ERROR if index % 24 == 0 else Severity.WARNING,
                    "ZIP does not match the city", hint="check the service address",
                    sheet="Numbers", row=row, column="zip", column_letter="K", value="60601",
                    code="ZIP_CITY",
                )
            )  # fmt: skip
        if index % 200 == 199:
            orders.append(
                OrderResult(
                    f"ord_{index // 200:06d}", f"pb-{index // 200}", raw["Account #"], "US",
                    "local", "Bell Local", True, order_numbers, "draft", foc, foc,
                    "earliest allowed", {"loa": "doc_1", "invoice": "doc_2"},
                )
            )  # fmt: skip
            order_numbers = []
    return BatchResult(
        batch_id="bench",
        name="bench",
        input_path=folder / "bench.xlsx",  # written only with --with-input
        content_hash="0" * 64,
        started_at=start,
        finished_at=start + timedelta(minutes=30),
        numbers=numbers,
        orders=orders,
        issues=issues,
        settings={"api": "simulator"},
        input_headers=HEADERS,
    )


def rss_mb(field: str) -> float:
    """A VmRSS/VmHWM figure of this process in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False when not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def main() -> None:
    """Build the batch, write its reports, print time, memory and file sizes."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--with-input", action="store_true", help="also time annotated.xlsx")
    parser.add_argument("--frames", action="store_true", help="also time result_frames")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    try:
        result = build(args.rows, work)
        if args.with_input:
            write_input(result)
        print(
            f"rows={args.rows:,} numbers={len(result.numbers):,} orders={len(result.orders):,} "
            f"issues={len(result.issues):,} columns={len(HEADERS)} operator + 13 report"
        )
        for attempt in range(1, args.repeat + 1):
            gc.collect()
            baseline = rss_mb("VmRSS")
            was_reset = reset_peak()
            started, cpu_started = time.perf_counter(), time.process_time()
            files = write_reports(result, work / f"out{attempt}")
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            peak = rss_mb("VmHWM")
            sizes = ", ".join(
                f"{p.name} {p.stat().st_size / 1e6:.1f} MB" for p in files.all_paths()
            )
            print(
                f"run {attempt}: {elapsed:.2f} s wall ({cpu:.2f} s CPU), "
                f"peak RSS {peak - baseline:.1f} MB above the "
                f"baseline of {baseline:.0f} MB{'' if was_reset else ' (peak not reset)'}; {sizes}"
            )
        if args.frames:
            time_frames(result)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def time_frames(result: BatchResult) -> None:
    """Time result_frames (pandas imported on the way, as in a fresh notebook) and its peak."""
    gc.collect()
    baseline = rss_mb("VmRSS")
    was_reset = reset_peak()
    started, cpu_started = time.perf_counter(), time.process_time()
    frames = result_frames(result)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak = rss_mb("VmHWM")
    shapes = ", ".join(
        f"{name} {frame.shape[0]:,}x{frame.shape[1]}" for name, frame in frames.items()
    )
    held = sum(int(frame.memory_usage(deep=True).sum()) for frame in frames.values()) / 1e6
    print(
        f"result_frames: {elapsed:.2f} s wall ({cpu:.2f} s CPU), peak RSS {peak - baseline:.1f} MB "
        f"above {baseline:.0f} MB{'' if was_reset else ' (peak not reset)'}; {shapes}; "
        f"frames hold {held:.1f} MB"
    )


if __name__ == "__main__":
    main()
