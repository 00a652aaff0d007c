"""The crash suite: ``porting-batch run`` killed with SIGKILL at 20 points of a run against a
separately served simulator, then run again.

Each point is the Nth request the simulator receives (spread evenly over an uninterrupted run's
requests): the request is applied, then the command is killed before it reads the answer, the
worst moment for exactly-once writes. The next run must finish on its own (no hang), end like the
uninterrupted run (same outcome per number, same orders, same exit code), never put a
number in two orders, and leave no partial report folder behind.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from porting_batch.simulator import SimulatorConfig, create_app

from .harness import CountRequests, KillOnRequest, order_sets, serve

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "input_templates" / "sample"
KILL_POINTS = 20
#: Bounds a hang only: an uninterrupted sample run takes a few seconds.
RUN_TIMEOUT_S = 180


def start_cli(base_url: str, work: Path) -> subprocess.Popen[str]:
    """Start ``porting-batch run sample --confirm`` against ``base_url`` in a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTING_", "PREFECT_API"))}
    env["PORTING_CSR_POLICY"] = "off"  # reading CSRs is tests/csr's subject
    env.update(
        PORTING_API="telnyx",
        PORTING_API_BASE_URL=base_url,
        PORTING_API_KEY="KEYSIMULATOR",
        PORTING_REQUESTS_PER_SECOND="1000",
        PORTING_MAX_IN_FLIGHT="4",
        PYTHONPATH=str(ROOT),
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from flows.cli import main; sys.exit(main())",
            "run",
            str(work / "sample" / "sample-batch.xlsx"),
            "--confirm",
            "--state",
            str(work / "state"),
            "--out",
            str(work / "reports"),
        ],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen[str], before: str = "") -> tuple[int, str]:
    """Wait for a started run; a run that outlives the deadline has hung and fails the test."""
    try:
        out, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        pytest.fail(f"porting-batch run hung for {RUN_TIMEOUT_S} s:\n{(before + out)[-3000:]}")
    return process.returncode, before + out


def cli_run(base_url: str, work: Path, victim_of: KillOnRequest | None = None) -> tuple[int, str]:
    """``porting-batch run sample --confirm`` against ``base_url``, to its end (or its kill)."""
    process = start_cli(base_url, work)
    if victim_of is not None:
        victim_of.victim = process.pid
    return finish(process)


def outcomes(out: str) -> dict[tuple[str, str, str], str]:
    """Outcome per (sheet, row, number) from the report folder the run printed."""
    match = re.search(r"^Reports?: (.+)$", out, re.MULTILINE)
    assert match, f"the run printed no report folder:\n{out[-3000:]}"
    with (Path(match.group(1).strip()) / "numbers.csv").open(encoding="utf-8-sig") as handle:
        return {
            (r["Input sheet"], r["Input row"], r["Phone number (E.164)"]): r["Outcome"]
            for r in csv.DictReader(handle)
        }


def fresh_work(root: Path, name: str) -> Path:
    """A work folder with its own copy of the sample batch."""
    work = root / name
    shutil.copytree(SAMPLE_DIR, work / "sample")
    return work


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict[str, Any]:
    """An uninterrupted run: its outcomes, orders, exit code and request count."""
    work = fresh_work(tmp_path_factory.mktemp("crash"), "reference")
    counter = CountRequests(create_app(SimulatorConfig()))
    with serve(counter) as url:
        code, out = cli_run(url, work)
    assert counter.seen > KILL_POINTS, out
    return {
        "code": code,
        "outcomes": outcomes(out),
        "orders": order_sets(counter.app),
        "requests": counter.seen,
        "writes": counter.writes,
    }


def kill_point(index: int, total_requests: int) -> int:
    """The request to kill at for point ``index``: spread from the first to the last request."""
    return 1 + round(index * (total_requests - 1) / (KILL_POINTS - 1))


@pytest.mark.slow
@pytest.mark.parametrize("index", range(KILL_POINTS))
def test_cli_run_killed_at_any_request_resumes_to_the_same_end(tmp_path, reference, index):
    """SIGKILL at a request, then re-run: no hang, no duplicate order, no lost or changed row."""
    nth = kill_point(index, reference["requests"])
    app = create_app(SimulatorConfig())
    killer = KillOnRequest(app, nth)
    work = fresh_work(tmp_path, "run")
    with serve(killer) as url:
        code, out = cli_run(url, work, victim_of=killer)
        assert killer.killed, f"request {nth} never came:\n{out[-2000:]}"
        assert code == -signal.SIGKILL
        killer.wait_until_idle()
        code, out = cli_run(url, work)
    assert code == reference["code"], out[-3000:]
    assert outcomes(out) == reference["outcomes"]
    orders = order_sets(app)
    assert orders == reference["orders"]
    ordered = [n for numbers in orders for n in numbers]
    assert len(ordered) == len(set(ordered)), "a number is in two orders"
    leftovers = [p.name for p in (work / "reports").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == [], "a killed run's partial report folder was left behind"


def read_until(process: subprocess.Popen[str], text: str) -> str:
    """What the process printed up to and including the first line containing ``text``."""
    assert process.stdout is not None
    seen: list[str] = []
    found = threading.Event()

    def reader() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            seen.append(line)
            if text in line:
                found.set()
                return

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    assert found.wait(RUN_TIMEOUT_S), f"never printed {text!r}:\n{''.join(seen)[-3000:]}"
    thread.join()
    return "".join(seen)


@pytest.mark.slow
def test_two_cli_runs_of_one_batch_at_once_never_both_write(tmp_path, reference):
    """A run of a batch another run is writing says who holds it, waits, then ends like it:
    every create and upload is sent once, and both runs report the same outcomes."""
    counter = CountRequests(create_app(SimulatorConfig()))
    work = fresh_work(tmp_path, "run")
    with serve(counter) as url:
        first = start_cli(url, work)
        assert counter.first_write.wait(RUN_TIMEOUT_S), "the first run never wrote"
        # Hold the first run mid-write until the second has met its hold on the batch.
        counter.gate = threading.Event()
        second = start_cli(url, work)
        try:
            waited = read_until(second, "waiting")
        finally:
            counter.gate.set()
            counter.gate = None
        code_first, out_first = finish(first)
        code_second, out_second = finish(second, waited)
    assert "is being run by" in waited
    assert code_first == code_second == reference["code"], out_first[-2000:] + out_second[-2000:]
    assert outcomes(out_first) == outcomes(out_second) == reference["outcomes"]
    assert order_sets(counter.app) == reference["orders"]
    assert counter.writes == reference["writes"]
