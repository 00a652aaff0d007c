"""Benchmark: hostile and huge files each get one clear line (target: < 5 s, < 300 MB each).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_hostile.py [--only NAME]

Each case builds its file in a temporary folder, then reads it with ``read_batch`` in a fresh
process and, when intake refuses it, writes the failed-intake report as ``validate`` does. It
prints the wall time, the peak RSS of that process and of the reader process it started, and
the first line the operator sees. The files are those of issue 12.3: a 4.8 KB workbook with
one cell at XFD1048576 (which aborted the process), the same behind a small dimension claim,
a zip bomb, a 1,048,576-row claim over ten rows (bare, and with a million formatted empty rows
as Excel writes them), a 150 MB CSV (sparse, so it costs no disk), and two CSVs under the size
limit built to explode: one line of 49 million commas, and 49 million blank lines.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TIME_TARGET_S = 5.0
MEMORY_TARGET_MB = 300.0


def _cases() -> dict[str, Callable[[Path], Path]]:
    from porting_batch.columns import COLUMN_NAMES
    from tests.intake.conftest import GOOD_ROW, documents
    from tests.intake.hostile import (
        far_cell_workbook,
        sparse_file,
        tall_claim_workbook,
        zip_bomb_workbook,
    )

    def ten(folder: Path, formatted: int) -> Path:
        documents(folder)
        return tall_claim_workbook(
            folder / "tall.xlsx", COLUMN_NAMES, [GOOD_ROW] * 10, formatted_rows=formatted
        )

    return {
        "xfd1048576-cell": lambda f: far_cell_workbook(f / "far.xlsx", COLUMN_NAMES),
        "xfd-behind-small-claim": lambda f: far_cell_workbook(
            f / "liar.xlsx", COLUMN_NAMES, claim="A1:B2"
        ),
        "zip-bomb-420mb": lambda f: zip_bomb_workbook(f / "bomb.xlsx", COLUMN_NAMES, 420),
        "claim-1048576-rows-ten-filled": lambda f: ten(f, 0),
        "ten-filled-plus-1m-formatted-rows": lambda f: ten(f, 1_048_576 - 11),
        "csv-150mb": lambda f: sparse_file(f / "big.csv", 150 * 1024 * 1024),
        "csv-one-49mb-line-of-commas": lambda f: _text(
            f / "wide.csv", "phone_number,entity_name\n" + "," * (49 << 20)
        ),
        "csv-49mb-of-blank-lines": lambda f: _text(
            f / "blank.csv", "phone_number,entity_name\n+13125550142,Acme\n" + "\n" * (49 << 20)
        ),
    }


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def measure(path: Path) -> dict[str, object]:
    """Read ``path`` (and report a refusal) in this process; time, peak RSS and the answer."""
    from porting_batch.errors import IntakeError
    from porting_batch.intake import read_batch
    from porting_batch.reports import write_reports
    from porting_batch.runner import failed_intake_result
    from porting_batch.settings import Settings

    settings = Settings(out_dir=path.parent / "reports")
    started = time.perf_counter()
    try:
        intake = read_batch(path, settings)
        answer = f"read: {len(intake.rows)} rows, {len(intake.issues)} issues"
    except IntakeError as exc:
        answer = f"error: {exc}"
        write_reports(failed_intake_result(settings, path, exc), path.parent / "out")
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mb": _own_peak_mb(),
        # An upper bound: a child's ru_maxrss starts from this process's peak at its fork.
        "reader_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "answer": answer,
    }


def _own_peak_mb() -> float:
    """This process's peak RSS since it started (VmHWM).

    ru_maxrss is not used for it: Linux keeps it across exec, so it would report the peak of
    the benchmark process that built the files and then started this one.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Build each case, measure it in a fresh process, print one line per case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run one case by name")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    failures = 0
    for name, build in _cases().items():
        if args.only and name != args.only:
            continue
        with tempfile.TemporaryDirectory(prefix="bench-hostile-") as tmp:
            path = build(Path(tmp))
            size = path.stat().st_size
            done = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                failures += 1
                print(f"{name}: PROCESS DIED (exit {done.returncode}): {done.stderr[-300:]}")
                continue
            result = json.loads(done.stdout)
            ok = (
                result["seconds"] < TIME_TARGET_S
                and max(result["peak_mb"], result["reader_peak_mb"]) < MEMORY_TARGET_MB
            )
            failures += not ok
            print(
                f"{name} ({size / 1024:,.0f} KB on disk): {result['seconds']:.2f} s, "
                f"peak RSS {result['peak_mb']:.0f} MB (reader process "
                f"{result['reader_peak_mb']:.0f} MB) {'ok' if ok else 'OVER TARGET'}\n"
                f"    {result['answer'][:230]}"
            )
    print(
        f"target: each < {TIME_TARGET_S:g} s and < {MEMORY_TARGET_MB:g} MB; "
        f"{failures} case(s) over target or died"
    )


if __name__ == "__main__":
    main()
