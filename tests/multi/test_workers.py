"""Two real Prefect workers on a Prefect server on PostgreSQL, set up with the documented
commands (``tests/multi/cluster.py``): a drop runs on one of them; a worker killed mid-batch
leaves a run that Prefect marks Crashed, and the other worker finishes the batch without
creating any order twice.

Every wait polls (the inbox folders, the simulator, the API) with a deadline that only bounds
a hang; nothing asserts on elapsed time.
"""

from __future__ import annotations

import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from flows.inbox import INBOX_FLOW, SCAN_ALL
from flows.runtime import API_LIMIT
from porting_batch.simulator import SimulatorConfig, create_app
from tests.crash.harness import order_sets
from tests.multi.cluster import (
    Cluster,
    cluster_running,
    drop,
    kill_machine,
    run,
    worker_running,
    write_batch,
)
from tests.multi.pg_prefect import prefect_on_postgres
from tests.prefect_servers import wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "input_templates" / "sample"
#: Orders in the batch whose worker is killed, and how many exist when it is.
ORDERS, KILL_AT = 16, 2


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, pg_database) -> Iterator[Cluster]:
    """The server on PostgreSQL, two workers, the watcher; requests paced slowly enough that a
    16-order batch is still running when its worker is killed."""
    root = tmp_path_factory.mktemp("cluster")
    simulator = create_app(SimulatorConfig())
    settings = {
        "PORTING_REQUESTS_PER_SECOND": "4",
        "PORTING_MAX_IN_FLIGHT": "2",
        # Only the crashed-scan trigger resumes the killed batch, not the watcher's slow look.
        "PORTING_INBOX_INTERVAL_S": "3600",
    }
    with (
        contextmanager(prefect_on_postgres)(root) as server,
        cluster_running(server, pg_database, simulator, settings) as running,
    ):
        yield running


def _filed(cluster: Cluster, name: str) -> Path | None:
    """The folder a drop was filed in (done/ or failed/), once it is."""
    for folder in (cluster.inbox.done, cluster.inbox.failed):
        for entry in folder.glob(f"{name}-*"):
            if (entry / "result.json").exists():
                return entry
    return None


async def _scan_runs() -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    async with get_client() as client:
        return list(
            await client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[INBOX_FLOW]))
            )
        )


def _scan_run(name: str) -> Any | None:
    """The inbox-scan run of the drop ``name``, if it exists yet."""
    runs = [r for r in run(_scan_runs()) if (r.parameters or {}).get("drop") == name]
    return runs[0] if runs else None


def _state(flow_run_id: Any) -> str:
    async def read() -> str:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            return (await client.read_flow_run(flow_run_id)).state_name or ""

    return run(read())


def _active_slots(name: str) -> int:
    async def read() -> int:
        from prefect.client.orchestration import get_client

        async with get_client() as client:
            return int((await client.read_global_concurrency_limit_by_name(name)).active_slots)

    return run(read())


def test_a_drop_in_the_shared_inbox_runs_to_completed_on_a_worker(cluster):
    """The sample dropped into the inbox both workers see: its scan run ends Completed and the
    drop is filed in done/."""
    staging = cluster.root / "staging" / f"sample-{uuid.uuid4().hex[:6]}"
    shutil.copytree(SAMPLE_DIR, staging, ignore=shutil.ignore_patterns("*.py"))
    name = drop(cluster, staging)
    wait_until(lambda: _filed(cluster, name) is not None, f"{name} filed")
    filed = _filed(cluster, name)
    assert filed is not None and filed.parent == cluster.inbox.done, filed
    scan = _scan_run(name)
    assert scan is not None
    wait_until(lambda: _state(scan.id) == "Completed", "the scan run Completed")


def test_a_worker_killed_mid_batch_leaves_a_crashed_run_and_the_other_finishes_it(cluster):
    """SIGKILL the worker running a 16-order batch once 2 orders exist: its run is marked
    Crashed (no heartbeats), the crashed-scan trigger starts a scan the surviving worker runs,
    the batch is filed in done/, each number is in exactly one order, and the API slots the
    dead run held come back."""
    batch = write_batch(cluster.root / "staging" / f"sixteen-{uuid.uuid4().hex[:6]}", ORDERS)
    before = len(order_sets(cluster.simulator))
    name = drop(cluster, batch)
    wait_until(lambda: _scan_run(name) is not None, "the drop's scan run")
    scan = _scan_run(name)
    assert scan is not None
    wait_until(lambda: len(order_sets(cluster.simulator)) - before >= KILL_AT, "2 orders made")
    worker = worker_running(cluster, str(scan.id))
    assert worker is not None, "no worker runs the scan"
    kill_machine(worker)
    made = len(order_sets(cluster.simulator)) - before
    assert made < ORDERS, f"the batch ended ({made} orders) before its worker was killed"
    (survivor,) = [w for w in cluster.workers if w is not worker]

    wait_until(lambda: _state(scan.id) == "Crashed", "the killed run marked Crashed")
    wait_until(lambda: _filed(cluster, name) is not None, f"{name} filed after the crash")
    filed = _filed(cluster, name)
    assert filed is not None and filed.parent == cluster.inbox.done, filed
    resumed = [r for r in run(_scan_runs()) if (r.parameters or {}).get("drop") == SCAN_ALL]
    assert resumed, "no scan was started after the crash"
    wait_until(
        lambda: any(_state(r.id) == "Completed" for r in resumed), "the resuming scan Completed"
    )
    assert survivor.poll() is None and worker.poll() is not None

    numbers = {n for order in order_sets(cluster.simulator) for n in order}
    counts = Counter(n for order in order_sets(cluster.simulator) for n in order)
    assert len(order_sets(cluster.simulator)) - before == ORDERS
    assert numbers and set(counts.values()) == {1}, counts.most_common(3)
    wait_until(lambda: _active_slots(API_LIMIT) == 0, "the dead run's API slots released")
