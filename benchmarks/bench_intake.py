"""Benchmark: read, normalise and validate a 100,000-row batch (target: <= 5 s, <= 600 MB).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_intake.py [--rows 100000] [--repeat 3]

It writes a realistic batch (every template column, messy phone formats, 1,000 accounts, LOA
and invoice PDFs) into a temporary folder, then runs ``read_batch`` in a fresh process for each
repetition and prints the wall time of the call and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FORMATS = (
    "+1 {a} {b} {c}",
    "({a}) {b}-{c}",
    "{a}-{b}-{c}",
    "1{a}{b}{c}",
    "{a}.{b}.{c}",
)
PDF = b"%PDF-1.4\n1 0 obj<< /Type /Catalog >>endobj\ntrailer<< /Root 1 0 R >>\n%%EOF\n"


def _prefixes(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Valid, distinct NPA-NXX pairs, found by asking phonenumbers."""
    import phonenumbers

    found: dict[tuple[str, str], None] = {}
    while len(found) < count:
        npa, nxx = f"{rng.randint(201, 989)}", f"{rng.randint(200, 999)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(f"+1{npa}{nxx}0100")):
            found[(npa, nxx)] = None
    return list(found)


def generate(folder: Path, rows: int) -> Path:
    """Write the benchmark batch into ``folder`` and return the workbook's path."""
    import xlsxwriter

    from porting_batch.columns import COLUMN_NAMES

    rng = random.Random(20261126)
    prefixes = _prefixes(max(1, rows // 100), rng)
    for index in range(10):
        (folder / f"loa-{index}.pdf").write_bytes(PDF)
        (folder / f"invoice-{index}.pdf").write_bytes(PDF)
    invoice_date = (date.today() - timedelta(days=5)).isoformat()
    foc = (date.today() + timedelta(days=35)).isoformat()
    path = folder / "bench.xlsx"
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = workbook.add_worksheet("Numbers")
    for col, name in enumerate(COLUMN_NAMES):
        sheet.write_string(0, col, name)
    position = {name: index for index, name in enumerate(COLUMN_NAMES)}
    for row in range(1, rows + 1):
        number = row - 1
        account = number // 100
        npa, nxx = prefixes[number // 100]
        line = f"{number % 100 + 100:04d}"
        btn_npa, btn_nxx = prefixes[account]
        state = "ON" if account % 10 == 9 else "IL"
        values = {
            "phone_number": FORMATS[number % len(FORMATS)].format(a=npa, b=nxx, c=line),
            "country": "",
            "customer_type": "business",
            "entity_name": f"Customer {account} Holdings LLC",
            "auth_person_name": f"Person {account}",
            "account_number": f"{account:08d}",
            "pin_passcode": f"{account % 10000:04d}" if account % 3 == 0 else "",
            "billing_phone_number": f"({btn_npa}) {btn_nxx}-0100",
            "street_address": f"{account + 1} Main St",
            "extended_address": "Suite 100" if account % 2 else "",
            "locality": "Toronto" if state == "ON" else "Chicago",
            "administrative_area": state,
            "postal_code": "M5V 3L9" if state == "ON" else f"{60600 + account % 100}",
            "country_code": "CA" if state == "ON" else "US",
            "port_type": "full",
            "requested_foc": foc,
            "loa_file": f"loa-{account % 10}.pdf",
            "invoice_file": f"invoice-{account % 10}.pdf",
            "invoice_date": invoice_date,
            "tags": "bench,load" if account % 4 == 0 else "",
            "enable_messaging": "yes" if account % 2 else "no",
            "customer_reference": f"BENCH-{account}",
            "notes": "generated" if number % 7 == 0 else "",
        }
        for name, value in values.items():
            if value:
                sheet.write_string(row, position[name], value)
    workbook.close()
    return path


def measure(path: Path) -> dict[str, float]:
    """Run read_batch once in this process; report its wall time and the peak RSS."""
    started = time.perf_counter()
    from porting_batch.intake import read_batch
    from porting_batch.settings import Settings

    imported = time.perf_counter()
    cpu_started = time.process_time()
    intake = read_batch(path, Settings())
    finished = time.perf_counter()
    cpu = time.process_time() - cpu_started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The floor no Python reader of XLSX goes below, timed now on the same busy or idle machine
    import python_calamine

    floor_started = time.process_time()
    workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    workbook.get_sheet_by_name("Numbers").to_python(skip_empty_area=False)
    floor_cpu = time.process_time() - floor_started
    return {
        "import_s": imported - started,
        "read_batch_s": finished - imported,
        # CPU time stays meaningful when other work shares the machine's cores
        "read_batch_cpu_s": cpu,
        "peak_rss_mb": peak_kb / 1024,
        "calamine_only_cpu_s": floor_cpu,
        "rows": len(intake.rows),
        "numbers": sum(len(row.phone_numbers) for row in intake.rows),
        "errors": sum(1 for issue in intake.issues if issue.is_error),
        "warnings": sum(1 for issue in intake.issues if not issue.is_error),
    }


def main() -> None:
    """Generate the batch once, then measure read_batch in fresh processes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-intake-") as tmp:
        started = time.perf_counter()
        path = generate(Path(tmp), args.rows)
        size_mb = path.stat().st_size / 1024 / 1024
        print(
            f"generated {args.rows:,} rows ({size_mb:.1f} MB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        runs = []
        for attempt in range(args.repeat):
            out = subprocess.run(
                [sys.executable, __file__, "--measure", str(path)],
                check=True,
                capture_output=True,
                text=True,
            )
            result = json.loads(out.stdout)
            runs.append(result)
            print(
                f"run {attempt + 1}: read_batch {result['read_batch_s']:.2f} s "
                f"(CPU {result['read_batch_cpu_s']:.2f} s; bare calamine read "
                f"{result['calamine_only_cpu_s']:.2f} s CPU), "
                f"peak RSS {result['peak_rss_mb']:.0f} MB, import {result['import_s']:.2f} s, "
                f"{result['rows']:,} rows, {result['numbers']:,} numbers, "
                f"{result['errors']} errors, {result['warnings']} warnings"
            )
        seconds = statistics.median(r["read_batch_s"] for r in runs)
        cpu = statistics.median(r["read_batch_cpu_s"] for r in runs)
        peak = max(r["peak_rss_mb"] for r in runs)
        print(
            f"median read_batch {seconds:.2f} s wall, {cpu:.2f} s CPU (target <= 5 s); "
            f"max peak RSS {peak:.0f} MB (target <= 600 MB)"
        )


if __name__ == "__main__":
    main()
