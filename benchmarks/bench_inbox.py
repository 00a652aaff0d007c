"""Benchmark (issues #7, #19): drop -> visible as a run, drop -> reports in done/, and Run
pressed -> run started. Target on an idle machine: 5 s for the first and the last.

Starts, in a temporary folder, a Prefect server on a free loopback port (unless ``--api-url``
names one) and ``porting-batch serve`` (its watcher emits the drop event as soon as a drop
settles; the inbox deployment's trigger creates the run). Then, ``--repeat`` times:

- drops a copy of the sample batch folder (made unique by a note) into ``inbox/``, times until
  the server has a run for it (by the server's creation time), and until its ``result.json`` is
  in ``done/``;
- creates a ``port-in-batch/manual`` run through the API, as the UI's Run button does, and
  reads the server's own timestamps: creation to start (the run's state becomes Running).

    cd /work/main && .venv/bin/python benchmarks/bench_inbox.py [--repeat 3] [--settle 2]

The machine is shared: a served run starts a fresh Python process (Prefect's runner spawns
one per run), so the start figure is dominated by that process's imports and grows with load;
the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "input_templates" / "sample"
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(check: Callable[[], bool], what: str, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"timed out waiting for {what}")


def _healthy(api_url: str) -> bool:
    try:
        return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _start(
    command: list[str], env: dict[str, str], log: Path, cwd: Path
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _drop(root: Path, name: str) -> Path:
    staging = root / f".staging-{name}"
    shutil.copytree(SAMPLE_DIR, staging, ignore=shutil.ignore_patterns("*.py"))
    (staging / "note.txt").write_text(f"{name} {time.time()}", encoding="utf-8")
    return staging.rename(root / "inbox" / name)


def _filed(root: Path, name: str) -> dict[str, Any] | None:
    for folder in (root / "done").glob(f"{name}-2*"):
        record = folder / "result.json"
        if record.exists():
            return dict(json.loads(record.read_text(encoding="utf-8")))
    return None


async def _drop_run_created(api_url: str, name: str, dropped_wall: float) -> float | None:
    """Seconds from the drop to the creation of its run (named for it once it starts)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        async with get_client() as client:
            named = FlowRunFilter(name=FlowRunFilterName(any_=[f"inbox · {name}"]))
            runs = await client.read_flow_runs(flow_run_filter=named)
    if not runs or runs[0].created is None:
        return None
    return runs[0].created.timestamp() - dropped_wall


async def _manual_start(api_url: str, deadline_s: float = 300) -> tuple[float, float]:
    """Seconds from creation to start, by the server's clock and by ours."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}):
        async with get_client() as client:
            deployment = await client.read_deployment_by_name("port-in-batch/manual")
            pressed = time.monotonic()
            created = await client.create_flow_run_from_deployment(
                deployment.id,
                parameters={"request": {"spreadsheet": str(SAMPLE_DIR / "sample-batch.xlsx")}},
            )
            seen = 0.0
            while time.monotonic() - pressed < deadline_s:
                flow_run = await client.read_flow_run(created.id)
                if not seen and flow_run.start_time is not None:
                    seen = time.monotonic() - pressed
                if flow_run.state is not None and flow_run.state.is_final():
                    assert flow_run.start_time is not None and flow_run.created is not None
                    server = (flow_run.start_time - flow_run.created).total_seconds()
                    return server, seen
                await asyncio.sleep(0.1)
    raise SystemExit("the manual run did not finish in time")


def main() -> None:
    """Start everything, measure, print the figures, stop everything."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--settle", type=float, default=2.0, help="PORTING_INBOX_SETTLE_S")
    parser.add_argument("--api-url", help="use this Prefect server instead of starting one")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    base_env = {
        **os.environ,
        "PREFECT_HOME": str(work / "prefect-home"),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{work / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        api_url = args.api_url
        if not api_url:
            port = _free_port()
            api_url = f"http://127.0.0.1:{port}/api"
            command = ["server", "start", "--host", "127.0.0.1", "--port", str(port)]
            processes.append(
                _start([str(BIN / "prefect"), *command], base_env, work / "server.log", work)
            )
            started = time.monotonic()
            _wait(lambda: _healthy(api_url), "the Prefect server", 180)
            print(f"Prefect server up in {time.monotonic() - started:.1f} s")
        env = {
            **base_env,
            "PREFECT_API_URL": api_url,
            "PORTING_STATE_DIR": str(work / "state"),
            "PORTING_OUT_DIR": str(work / "reports"),
            "PORTING_INBOX_DIR": str(work / "inbox-root"),
            "PORTING_INBOX_SETTLE_S": str(args.settle),
            "PORTING_SCHEDULED_DIR": str(work / "scheduled"),
            "PORTING_UPLOAD_PORT": str(_free_port()),
        }
        env.pop("PORTING_API", None)
        processes.append(
            _start([str(BIN / "porting-batch"), "serve"], env, work / "serve.log", work)
        )
        root = work / "inbox-root"
        _wait(lambda: (root / "inbox").is_dir(), "the inbox folder", 120)
        _wait(lambda: "being served" in (work / "serve.log").read_text(), "serve", 120)

        drops, visible, server_starts, seen_starts = [], [], [], []
        for n in range(args.repeat):
            name = f"drop{n}"
            dropped, dropped_wall = time.monotonic(), time.time()
            _drop(root, name)
            _wait(lambda name=name: _filed(root, name) is not None, f"{name} in done/", 300)
            drops.append(time.monotonic() - dropped)
            created = asyncio.run(_drop_run_created(api_url, name, dropped_wall))
            visible.append(created if created is not None else float("nan"))
            server, seen = asyncio.run(_manual_start(api_url))
            server_starts.append(server)
            seen_starts.append(seen)
            print(
                f"run {n + 1}: drop -> run {visible[-1]:.1f} s; drop -> done/ {drops[-1]:.1f} s; "
                f"Run -> started {server:.1f} s (server clock), {seen:.1f} s (seen by the caller)"
            )
        load = os.getloadavg()
        print(
            f"median of {args.repeat}: drop -> run {statistics.median(visible):.1f} s; "
            f"drop -> reports in done/ {statistics.median(drops):.1f} s "
            f"(settle {args.settle:g} s); Run pressed -> run started "
            f"{statistics.median(server_starts):.1f} s; "
            f"load average {load[0]:.1f} on {os.cpu_count()} cores"
        )
    finally:
        for process in reversed(processes):
            _stop(process)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
