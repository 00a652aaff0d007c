"""The crash suite for ``porting-batch fix BATCH edited.csv`` (issue 16 item 4): the fix of an
order the carrier rejected is killed at each of its writes, then the same command is run again.

The batch is run and rejected in-process on the realistic simulator (its clock standing still),
which is then served on loopback for the ``fix`` command in a subprocess. Whatever the kill
point, the re-run completes, the simulator applied exactly one resubmit and no create, every
PATCH it applied carried the corrected field and the same body (a PATCH is sent again only when
its answer was lost: the ledger cannot know it landed), the order ends in-process, and the
report says so.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fix.helpers import (
    GOOD,
    REJECTED,
    START,
    advance_until,
    order_of,
    row_for,
    status_of,
    write_sheet,
)

from porting_batch.client import PortingClient
from porting_batch.ledger import Ledger
from porting_batch.runner import BatchOptions, run_batch
from porting_batch.settings import Settings
from porting_batch.simulator import SimulatorConfig, create_app

from .harness import KillOnRequest, RecordWrites, serve

ROOT = Path(__file__).resolve().parents[2]
#: Bounds a hang only: a fix of two orders takes a second or two.
RUN_TIMEOUT_S = 180
WRONG_ENTITY = "Keystone Dentistry"
RIGHT_ENTITY = "Keystone Dental Ltd."
ORDER = r"/v2/porting_orders/[^/]+"
CONFIRM = ORDER + "/actions/confirm"

pytestmark = pytest.mark.slow


def seed(work: Path, app: Any) -> tuple[str, str]:
    """Run the batch with --confirm in-process, move the simulated clock until the carrier
    rejects the misspelt order, and write the corrected sheet; (rejected, good) order ids."""
    settings = Settings(state_dir=work / "state", out_dir=work / "reports")
    path = write_sheet(
        work / "sheets", [row_for(GOOD), row_for(REJECTED, entity_name=WRONG_ENTITY)]
    )
    write_sheet(work / "sheets", [row_for(GOOD), row_for(REJECTED)], "edited.csv")

    async def rejected_batch() -> tuple[str, str]:
        transport = httpx.ASGITransport(app=app)
        with Ledger(settings.ledger_database_url) as ledger:
            async with PortingClient(
                base_url="http://sim/v2", api_key="KEYSIMULATOR", transport=transport
            ) as client:
                await run_batch(settings, ledger, client, path, BatchOptions(confirm=True))
                rejected = order_of(ledger, REJECTED)
                await advance_until(app, client, ledger, rejected, "exception", limit_h=24 * 7)
            return rejected, order_of(ledger, GOOD)

    return anyio.run(rejected_batch)


def fix_cli(base_url: str, work: Path, victim_of: KillOnRequest | None = None) -> tuple[int, str]:
    """``porting-batch fix batch edited.csv`` against ``base_url``, to its end (or its kill)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTING_", "PREFECT_API"))}
    env.update(
        PORTING_API="telnyx",
        PORTING_API_BASE_URL=base_url,
        PORTING_API_KEY="KEYSIMULATOR",
        PORTING_REQUESTS_PER_SECOND="1000",
        PORTING_CSR_POLICY="off",  # reading CSRs is tests/csr's subject
        PYTHONPATH=str(ROOT),
    )
    process = subprocess.Popen(
        [
            *(sys.executable, "-c", "import sys; from flows.cli import main; sys.exit(main())"),
            *("fix", "batch", str(work / "sheets" / "edited.csv")),
            *("--state", str(work / "state"), "--out", str(work / "reports")),
        ],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        # Started from a background shell, a child inherits an ignored SIGINT: undo that.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    if victim_of is not None:
        victim_of.victim = process.pid
    try:
        out, _ = process.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
        pytest.fail(f"porting-batch fix hung for {RUN_TIMEOUT_S} s:\n{out[-3000:]}")
    return process.returncode, out


def report(out: str) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """Outcome by number, and the orders' rows by id, from the report folder the fix printed."""
    match = re.search(r"^Reports?: (.+)$", out, re.MULTILINE)
    assert match, f"the fix printed no report folder:\n{out[-3000:]}"
    folder = Path(match.group(1).strip())
    with (folder / "numbers.csv").open(encoding="utf-8-sig") as handle:
        numbers = {r["Phone number (E.164)"]: r["Outcome"] for r in csv.DictReader(handle)}
    with (folder / "orders.csv").open(encoding="utf-8-sig") as handle:
        orders = {r["Order id"]: r for r in csv.DictReader(handle)}
    return numbers, orders


def interrupted_then_fixed(
    tmp_path: Path, signum: int, path: str, *, apply: bool = True
) -> dict[str, Any]:
    """Seed, run the fix until the first request on ``path`` gets ``signum`` (applied or not),
    then run it again; what the simulator applied and what both runs said."""
    app = create_app(SimulatorConfig(profile="realistic", clock_speed=0.0, start_time=START))
    rejected, good = seed(tmp_path, app)
    recorder = RecordWrites(app)
    method = "PATCH" if path == ORDER else "POST"
    killer = KillOnRequest(recorder, 1, method, path, apply=apply, signum=signum)
    with serve(killer) as url:
        first_code, first_out = fix_cli(url, tmp_path, victim_of=killer)
        assert killer.killed, f"no request on {path} came:\n{first_out[-2000:]}"
        killer.wait_until_idle()
        code, out = fix_cli(url, tmp_path)
    with Ledger(Settings(state_dir=tmp_path / "state").ledger_database_url) as ledger:
        ledger_status = status_of(ledger, rejected)
    sim_order = app.state.sim.store.get("orders", rejected) or {}
    return {
        "first": (first_code, first_out),
        "again": (code, out),
        "writes": recorder.writes,
        "rejected": rejected,
        "good": good,
        "sim_status": sim_order["status"]["value"],
        "ledger_status": ledger_status,
        "orders": len(app.state.sim.store.all("orders")),
    }


def assert_fixed_once(seen: dict[str, Any], *, patches: int) -> None:
    """The re-run completed and the order was fixed and resubmitted exactly once."""
    code, out = seen["again"]
    assert code == 0, out[-3000:]
    rejected = seen["rejected"]
    writes = seen["writes"]
    bodies = [body for method, _, body in writes if method == "PATCH"]
    assert len(bodies) == patches, writes
    assert all(body == bodies[0] for body in bodies), "a second PATCH differed from the first"
    assert bodies[0]["end_user"] == {"admin": {"entity_name": RIGHT_ENTITY}}
    confirms = [p for m, p, _ in writes if p.endswith("/actions/confirm")]
    assert confirms == [f"/v2/porting_orders/{rejected}/actions/confirm"], writes
    assert all(seen["rejected"] in p for _, p, _ in writes), "another order was written to"
    assert seen["orders"] == 2, "an order was created"
    assert seen["sim_status"] == seen["ledger_status"] == "in-process"
    numbers, orders = report(out)
    assert numbers == {GOOD: "confirmed", REJECTED: "confirmed"}
    assert orders[rejected]["Status"] == "in-process"
    assert orders[rejected]["Needs attention"] == ""
    assert orders[seen["good"]]["Sent"] == ""


def test_a_fix_killed_once_its_patch_landed_resends_that_patch_alone_then_resubmits(tmp_path):
    """Killed with the PATCH applied and its answer unread: the re-run cannot know it landed,
    so sends the same PATCH once more, then the one resubmit; the report shows both."""
    seen = interrupted_then_fixed(tmp_path, signal.SIGKILL, ORDER)
    assert seen["first"][0] == -signal.SIGKILL
    assert_fixed_once(seen, patches=2)
    _, orders = report(seen["again"][1])
    assert orders[seen["rejected"]]["Sent"] == (
        "activation_settings.foc_datetime_requested, end_user.admin.entity_name, resubmitted"
    )


def test_a_fix_killed_between_its_patch_answer_and_the_resubmit_only_resubmits(tmp_path):
    """Killed once the PATCH's answer was recorded, before the resubmit reached Telnyx: the
    re-run sends no PATCH, only the resubmit."""
    seen = interrupted_then_fixed(tmp_path, signal.SIGKILL, CONFIRM, apply=False)
    assert seen["first"][0] == -signal.SIGKILL
    assert_fixed_once(seen, patches=1)
    _, orders = report(seen["again"][1])
    assert orders[seen["rejected"]]["Sent"] == "resubmitted"


def test_a_fix_killed_once_its_resubmit_landed_sends_nothing_more(tmp_path):
    """Killed with the resubmit applied and its answer unread: the re-run reads the order,
    finds it in-process and writes nothing."""
    seen = interrupted_then_fixed(tmp_path, signal.SIGKILL, CONFIRM)
    assert seen["first"][0] == -signal.SIGKILL
    assert_fixed_once(seen, patches=1)
    _, orders = report(seen["again"][1])
    assert orders[seen["rejected"]]["Sent"] == ""


def test_a_fix_interrupted_at_its_resubmit_exits_130_and_the_re_run_finishes_it(tmp_path):
    """SIGINT while the resubmit is in flight: exit 130 with how to resume; the same command
    again ends the fix without a second resubmit."""
    seen = interrupted_then_fixed(tmp_path, signal.SIGINT, CONFIRM)
    code, out = seen["first"]
    assert code == 130, out[-3000:]
    assert "Traceback" not in out
    assert "run the same command again" in out
    assert_fixed_once(seen, patches=1)
