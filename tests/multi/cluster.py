"""Several machines on one: a Prefect server on PostgreSQL set up with docs/operating.md's own
commands, two real ``prefect worker start --pool porting`` (each in a process group of its own,
so one can be killed as a dying machine would be), the ledger on a PostgreSQL schema of its
own, the simulator served by the test harness, and ``porting-batch inbox --watch`` on the inbox
both workers see.

The commands are :data:`SETUP` and :data:`WORKER`; ``tests/multi/test_operating_docs.py``
checks that docs/operating.md shows exactly these.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
import subprocess
import time
import uuid
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa

import tests.prefect_servers as servers
from benchmarks.sheet_data import account_numbers, write_accounts
from porting_batch.inbox import InboxPaths
from tests.crash.harness import serve
from tests.multi.pg_prefect import PrefectOnPostgres

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")

#: What docs/operating.md has the operator run once, from the checkout, PREFECT_API_URL set.
SETUP = (
    "prefect work-pool create porting --type process",
    "prefect gcl create porting-api --limit 16",
    "prefect gcl create porting-api-rate --limit 10 --slot-decay-per-second 9",
    "prefect automation create --from-file prefect.yaml",
    "prefect --no-prompt deploy --all",
)
#: What it has the operator run on each machine (the heartbeat the automation expects).
WORKER = "PREFECT_FLOWS_HEARTBEAT_FREQUENCY=30 prefect worker start --pool porting"
#: The watcher, on one machine.
WATCHER = "porting-batch inbox --watch"
#: The deployments prefect.yaml creates.
DEPLOYMENTS = {"manual", "scheduled", "inbox", "track-orders", "confirm"}


class Timed:
    """Wraps the simulator's ASGI app: when each API request was answered, and its status."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[float, int]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v2/"):
            await self.app(scope, receive, send)
            return

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.seen.append((time.monotonic(), message["status"]))
            await send(message)

        await self.app(scope, receive, sending)


@dataclass
class Cluster:
    """The running pieces, and where they keep things."""

    server: PrefectOnPostgres
    env: dict[str, str]
    inbox: InboxPaths
    simulator: Any
    ledger_url: str
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def root(self) -> Path:
        """The folder the logs and state are in."""
        return self.server.root


def run(coro: Awaitable[T]) -> T:
    """Run one coroutine on a fresh loop, against this cluster's server (the env's URL)."""

    async def wrapper() -> T:
        return await coro

    return asyncio.run(wrapper())


def command(line: str, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """A documented command line as argv (the venv's scripts) and its environment (leading
    ``NAME=value`` words added)."""
    words = shlex.split(line)
    extra: dict[str, str] = {}
    while "=" in words[0]:
        name, value = words.pop(0).split("=", 1)
        extra[name] = value
    return [str(servers.BIN / words[0]), *words[1:]], {**env, **extra}


def _ledger_schema(database: str) -> Iterator[str]:
    """A ledger URL on a new schema of ``database``, dropped after."""
    engine = sa.create_engine(database, isolation_level="AUTOCOMMIT")
    schema = f"workers_{uuid.uuid4().hex[:10]}"
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{database}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


def write_batch(folder: Path, accounts: int, per_account: int = 1, first: int = 0) -> Path:
    """A batch folder: a CSV of ``per_account`` numbers in each of ``accounts`` accounts (one
    order each; accounts ``first`` on, so batches made apart share no number) and each
    account's two PDFs, the end user as the simulated carrier has it: every order is accepted.
    The CSV is named after the folder: a batch's id comes from its file name, and batches of
    one id run one after another (the ledger's lease)."""
    folder.mkdir(parents=True)
    blocks = ((a, account_numbers(a, per_account)) for a in range(first, first + accounts))
    write_accounts(folder / f"{folder.name}.csv", blocks)
    return folder


def drop(cluster: Cluster, batch: Path) -> str:
    """Move a finished batch folder into the inbox in one rename (as an operator's copy would
    end); its name in the inbox."""
    target = cluster.inbox.inbox / batch.name
    batch.rename(target)
    return batch.name


async def _deployments() -> set[str]:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return {d.name for d in await client.read_deployments()}


async def _online_workers() -> int:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        workers = await client.read_workers_for_work_pool("porting")
    return sum(1 for w in workers if str(w.status).upper().endswith("ONLINE"))


@contextmanager
def cluster_running(
    server: PrefectOnPostgres,
    pg_database: str,
    simulator: Any,
    settings: dict[str, str],
    workers: int = 2,
) -> Iterator[Cluster]:
    """Set the server up with :data:`SETUP`, start ``workers`` :data:`WORKER` and the
    :data:`WATCHER` against ``simulator`` (an ASGI app, served here); ``settings`` are
    PORTING_* on top."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    root = server.root
    ledger = _ledger_schema(pg_database)
    ledger_url = next(ledger)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with serve(simulator) as base_url, temporary_settings({PREFECT_API_URL: server.api_url}):
            env = {
                **server.env,
                "PREFECT_LOGGING_LEVEL": "INFO",
                "PREFECT_WORKER_QUERY_SECONDS": "1",
                "PREFECT_WORKER_PREFETCH_SECONDS": "0",
                "PORTING_CHECKOUT": str(ROOT),
                "PORTING_API": "telnyx",
                "PORTING_API_BASE_URL": base_url,
                "PORTING_API_KEY": "KEYSIMULATOR",
                "PORTING_LEDGER_URL": ledger_url,
                "PORTING_STATE_DIR": str(root / "state"),
                "PORTING_OUT_DIR": str(root / "reports"),
                "PORTING_INBOX_DIR": str(root / "inbox-root"),
                "PORTING_INBOX_SETTLE_S": "0.5",
                "PORTING_SCHEDULED_DIR": str(root / "scheduled"),
                "PORTING_SCHEDULE_CRON": "0 6 * * 1-5",
                "PORTING_SCHEDULE_TIMEZONE": "America/Chicago",
                **settings,
            }
            for line in SETUP:
                argv, full = command(line, env)
                done = subprocess.run(
                    argv, env=full, cwd=ROOT, capture_output=True, text=True, timeout=600
                )
                assert done.returncode == 0, f"{line}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            for number in range(1, workers + 1):
                argv, full = command(WORKER, env)
                argv += ["--name", f"machine-{number}"]
                log = root / f"worker-{number}.log"
                processes.append(servers.start(argv, full, log, ROOT, new_session=True))
            argv, full = command(WATCHER, env)
            processes.append(servers.start(argv, full, root / "watcher.log", ROOT))
            servers.wait_until(lambda: run(_deployments()) >= DEPLOYMENTS, "the deployments")
            servers.wait_until(lambda: run(_online_workers()) == workers, "the workers online")
            yield Cluster(
                server=server,
                env=env,
                inbox=InboxPaths(root / "inbox-root").ensure(),
                simulator=simulator,
                ledger_url=ledger_url,
                workers=processes[:workers],
            )
    finally:
        for process in reversed(processes):
            servers.stop(process)
            _kill_group(process.pid)
        for _ in ledger:
            pass


def _kill_group(pgid: int) -> None:
    """What a stopped worker left behind (its flow-run processes), killed."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


# --- a dying machine ---------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    """Every process's children, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields follow the last ')'.
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """``pid``'s descendants, now."""
    tree = _children()
    found: list[int] = []
    todo = list(tree.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo.extend(tree.get(child, []))
    return found


def flow_run_of(pid: int) -> str | None:
    """The flow run a process runs (Prefect sets ``PREFECT__FLOW_RUN_ID`` in its environment)."""
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return None
    for item in environ:
        if item.startswith(b"PREFECT__FLOW_RUN_ID="):
            return item.split(b"=", 1)[1].decode()
    return None


def worker_running(cluster: Cluster, flow_run_id: str) -> subprocess.Popen[bytes] | None:
    """The worker whose processes run ``flow_run_id``, if any does now."""
    for worker in cluster.workers:
        if any(flow_run_of(pid) == flow_run_id for pid in descendants(worker.pid)):
            return worker
    return None


def kill_machine(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL a worker's process group and the groups of the flow runs it started, as a
    machine losing power would stop them: nothing gets to say it is ending."""
    groups = {worker.pid}
    for pid in descendants(worker.pid):
        if flow_run_of(pid) is not None:
            try:
                groups.add(os.getpgid(pid))
            except ProcessLookupError:
                continue
    for group in groups:
        _kill_group(group)
    worker.wait(timeout=30)
