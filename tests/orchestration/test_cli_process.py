"""`porting-batch run` as a real process against a separately started simulator: killed or
interrupted mid-create, then run again. Every wait is for an event, with a deadline that only
bounds a hang."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from porting_batch.client import PortingClient

pytestmark = pytest.mark.slow  # real processes and a real server

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "input_templates" / "sample" / "sample-batch.xlsx"
BIN = Path(sys.executable).parent
HANG_S = 600.0


@dataclass
class Simulator:
    """A simulator process on a free loopback port."""

    url: str
    key: str


def _wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + HANG_S
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _default_sigint() -> None:
    """A child started from a background shell inherits an ignored SIGINT: undo that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def simulator(tmp_path) -> Iterator[Simulator]:
    """`porting-batch simulator --port 0` with 200 ms latency, so a create takes a while."""
    process = subprocess.Popen(
        [
            *(str(BIN / "porting-batch"), "simulator", "--port", "0", "--latency-ms", "200"),
            *("--state", str(tmp_path / "simulator.db")),
        ],
        stdout=subprocess.PIPE,
        stderr=(tmp_path / "simulator.log").open("wb"),  # a cut-off client is logged there
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        key = process.stdout.readline().split()[-1]
        yield Simulator(url=url, key=key)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _env(tmp_path: Path, sim: Simulator) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTING_", "PREFECT_API"))}
    env["PORTING_CSR_POLICY"] = "off"  # reading CSRs is tests/csr's subject
    env.update(
        PORTING_API="telnyx",
        PORTING_API_BASE_URL=sim.url,
        PORTING_API_KEY=sim.key,
        PORTING_STATE_DIR=str(tmp_path / "state"),
        PORTING_OUT_DIR=str(tmp_path / "reports"),
    )
    return env


def _open_creates(ledger: Path) -> int:
    """Create intents sent and not settled: an order being created right now."""
    if not ledger.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute(
                "SELECT count(*) FROM intents WHERE kind = 'create' AND state = 'sent'"
            ).fetchone()
    except sqlite3.OperationalError:  # not migrated yet, or busy: look again
        return 0
    return int(row[0])


def _numbers_in_orders(sim: Simulator) -> list[str]:
    async def read() -> list[str]:
        async with PortingClient(base_url=sim.url, api_key=sim.key) as client:
            numbers: list[str] = []
            async for order in client.list_orders():
                listed = await client.list_porting_phone_numbers(porting_order_id=order.id)
                numbers.extend(n.phone_number for n in listed)
            return numbers

    return asyncio.run(read())


@pytest.mark.parametrize(
    ("signum", "expected"),
    [(signal.SIGKILL, -signal.SIGKILL), (signal.SIGINT, 130), (signal.SIGTERM, 143)],
    ids=["kill", "int", "term"],
)
def test_a_run_stopped_mid_create_is_finished_by_the_next_without_duplicates(
    tmp_path, simulator, signum, expected
):
    """Stopped while an order is being created (SIGKILL, SIGINT or SIGTERM), the run ends
    (cleanly, with how to resume, for the two it can catch); the same command again
    completes, and no number is in two orders."""
    env = _env(tmp_path, simulator)
    command = [str(BIN / "porting-batch"), "run", str(SAMPLE)]
    first = subprocess.Popen(
        command,
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        _wait_for(lambda: _open_creates(tmp_path / "state" / "ledger.db") > 0, "a create")
        first.send_signal(signum)
        out, err = first.communicate(timeout=HANG_S)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == expected, (out, err)
    assert "Traceback" not in out + err
    if signum != signal.SIGKILL:
        assert "run the same command again" in err

    again = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=HANG_S
    )
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert "ready_as_draft     43" in again.stdout
    numbers = _numbers_in_orders(simulator)
    assert len(numbers) == 43 and len(set(numbers)) == 43


_MEASURE = """
import json, sys, time
started = time.monotonic()
from flows.cli import main
code = main(sys.argv[1:])
loaded = sorted(m for m in sys.modules if m.split(".")[0] == "prefect")
print(json.dumps({"code": code, "prefect": loaded, "s": time.monotonic() - started}))
"""


def test_run_without_a_prefect_server_loads_no_prefect(tmp_path):
    """Without PREFECT_API_URL, `run` completes the sample without importing Prefect (so no
    temporary Prefect server is ever started)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTING_", "PREFECT_API"))}
    env["PORTING_CSR_POLICY"] = "off"  # reading CSRs is tests/csr's subject
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, "run", str(SAMPLE), "--state", str(tmp_path / "s")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=HANG_S,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert report["prefect"] == []
    print(f"\n[measured] sample run without Prefect, in-process: {report['s']:.1f} s")
