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
the load average is printed beside the figures. Serve and its runs cache their bytecode in the
temporary folder (``PYTHONPYCACHEPREFIX``), as an installed environment does, even where the
caller sets ``PYTHONDONTWRITEBYTECODE``; ``--no-bytecode-cache`` keeps the caller's setting.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import tests.prefect_servers as servers  # noqa: E402 - after ROOT is on the path

SAMPLE_DIR = ROOT / "input_templates" / "sample"


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
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep the caller's PYTHONDONTWRITEBYTECODE (each run then compiles its imports)",
    )
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-inbox-"))
    try:
        with contextlib.ExitStack() as stack:
            if args.api_url:
                api_url = args.api_url
                env = servers.prefect_env(work, PREFECT_API_URL=api_url)
            else:
                started = time.monotonic()
                server = stack.enter_context(
                    servers.prefect_server(work, servers.prefect_env(work), 180)
                )
                print(f"Prefect server up in {time.monotonic() - started:.1f} s")
                api_url, env = server.api_url, server.client_env()
            _measure(args, work, api_url, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _measure(args: argparse.Namespace, work: Path, api_url: str, env: dict[str, str]) -> None:
    """Start serve, time the drops and the manual runs, print the figures, stop serve."""
    env = {
        **env,
        "PORTING_STATE_DIR": str(work / "state"),
        "PORTING_OUT_DIR": str(work / "reports"),
        "PORTING_INBOX_DIR": str(work / "inbox-root"),
        "PORTING_INBOX_SETTLE_S": str(args.settle),
        "PORTING_SCHEDULED_DIR": str(work / "scheduled"),
        "PORTING_UPLOAD_PORT": str(servers.free_port()),
    }
    env.pop("PORTING_API", None)
    if not args.no_bytecode_cache:
        # Each served run is a fresh Python process. With bytecode caching off (as
        # PYTHONDONTWRITEBYTECODE=1 in some sandboxes) every one compiles Prefect from source:
        # seconds an installed environment, which caches its bytecode, never pays.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    serve = servers.start(
        [str(servers.BIN / "porting-batch"), "serve"], env, work / "serve.log", work
    )
    try:
        root = work / "inbox-root"
        servers.wait_until(lambda: (root / "inbox").is_dir(), "the inbox folder", 120)
        servers.wait_until(lambda: "being served" in (work / "serve.log").read_text(), "serve", 120)
        drops, visible, server_starts, seen_starts = [], [], [], []
        for n in range(args.repeat):
            name = f"drop{n}"
            dropped, dropped_wall = time.monotonic(), time.time()
            _drop(root, name)
            servers.wait_until(
                lambda name=name: _filed(root, name) is not None, f"{name} in done/", 300, 0.1
            )
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
            f"load average {load[0]:.1f} on {os.cpu_count()} cores; bytecode "
            f"{'as the caller has it' if args.no_bytecode_cache else 'cached'}"
        )
    finally:
        servers.stop(serve)


if __name__ == "__main__":
    main()
