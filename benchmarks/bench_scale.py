"""Benchmark: porting-batch at scale against a fast simulator in a process of its own (issue 13).

The batch (numbers spread over accounts, two documents each, generated like bench_batch.py)
runs in a child process, either through the library (``run_batch``) or through the
``porting-batch run`` command (the Prefect flow, with ``PORTING_API=telnyx`` pointed at the
simulator and no ``PREFECT_API_URL``). The simulator is served by another process, wrapped in an
observer that counts the requests per route and notes the first and last one, so that nothing in
porting-batch changes for the measurement.

    .venv/bin/python benchmarks/bench_scale.py --numbers 10000 --accounts 1000 \\
        --limit 500 --latency-ms 50                      # library, 50 in flight
    .venv/bin/python benchmarks/bench_scale.py --numbers 1000 --accounts 100 --mode cli
    .venv/bin/python benchmarks/bench_scale.py ... --profile /tmp/scale.prof   # cProfile, top 25

The porting-batch process reads its imports' bytecode from a cache compiled before it starts,
as an installed environment does, even where the caller sets PYTHONDONTWRITEBYTECODE
(``--no-bytecode-cache`` keeps the caller's setting: the run then compiles its imports).

Printed (and written with --json PATH): wall time, the rate-limit lower bound (minimum calls /
limit) and their ratio, porting-batch CPU ms per API call, peak RSS of porting-batch and of the
simulator, time to the first API call, and the calls per kind against the minimum.

Targets (issue 13), at 500/s, 50 ms latency, 50 in flight: 100,000 numbers in 10,000 accounts
within 1.3 x the bound, porting-batch peak memory under 1 GB, every call count at its minimum, at
most 1.5 ms of porting-batch CPU per API call (at 10,000 and 100,000), first API call under
10 s at 100,000 rows.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from sheet_data import account_numbers, write_accounts  # noqa: E402

#: The porting-batch CLI's chunk size for portability checks (Settings.check_chunk_size default).
CHECK_CHUNK = 100
#: Where the observer answers inside the simulator process (outside /v2, never counted).
STATS_ROUTE = "/_bench/stats"
CHECKS = "POST /portability_checks"
UPLOADS = "POST /documents"
CREATES = "POST /porting_orders"
FOC_READS = "GET /porting_orders/{id}/allowed_foc_windows"
PATCHES = "PATCH /porting_orders/{id}"
CONFIRMS = "POST /porting_orders/{id}/actions/confirm"


# --------------------------------------------------------------------------- the batch


def requested_foc(today: date | None = None) -> str:
    """A weekday four weeks ahead: inside the FOC windows the API offers today (7 to ~27
    business days out, holidays excepted), so every order is confirmed rather than held beyond
    the windows, its FOC is the one asked for (no warning per row), and the confirms count
    towards the calls as the minimum expects."""
    from porting_batch.simulator.calendar import is_business_day

    day = (today or datetime.now(UTC).date()) + timedelta(days=28)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day.isoformat()


def write_batch(folder: Path, numbers: int, accounts: int) -> Path:
    """The CSV batch of bench_batch.write_batch (each account one carrier block, its end-user
    columns the carrier's record), but for a requested FOC the windows reach."""
    folder.mkdir(parents=True, exist_ok=True)
    per_account = max(1, numbers // accounts)
    blocks = (
        (a, account_numbers(a, min(per_account, numbers - a * per_account)))
        for a in range(math.ceil(numbers / per_account))
    )
    try:
        return write_accounts(folder / "bench-batch.csv", blocks, requested_foc())
    except ValueError as exc:  # more accounts than the number plan holds
        raise SystemExit(str(exc)) from exc


# --------------------------------------------------------------------------- the minimum


def minimum_calls(path: Path, chunk: int = CHECK_CHUNK) -> dict[str, int]:
    """The fewest calls the generated batch needs, per kind: one check per chunk of numbers,
    one upload per distinct document, one create per account and, per order the API makes
    (the simulator's split of an account's numbers), one FOC read, one PATCH and one confirm."""
    from porting_batch.simulator.numbers import derive_facts

    numbers: set[str] = set()
    documents: set[str] = set()
    splits: dict[str, set[tuple[Any, ...]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            number = row["phone_number"]
            numbers.add(number)
            documents.update(row[name] for name in ("loa_file", "invoice_file") if row[name])
            facts = derive_facts(number)
            spid = facts.spid if facts.country_code in {"US", "CA"} else None
            key = (facts.country_code, facts.phone_number_type, spid, facts.fast_portable)
            # Every generated account differs in its account number (and all other fields).
            splits.setdefault(row["account_number"], set()).add(key)
    orders = sum(len(keys) for keys in splits.values())
    return {
        CHECKS: math.ceil(len(numbers) / chunk),
        UPLOADS: len(documents),
        CREATES: len(splits),
        FOC_READS: orders,
        PATCHES: orders,
        CONFIRMS: orders,
    }


# --------------------------------------------------------------------------- the simulator


class Observer:
    """ASGI middleware around the simulator app: counts /v2 requests per route template and
    status, notes the first and last request's wall-clock time, and answers STATS_ROUTE."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.first: float | None = None
        self.last: float | None = None

    def _kind(self, scope: dict[str, Any]) -> str:
        from starlette.routing import Match

        for route in self.app.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return f"{scope['method']} {route.path.removeprefix('/v2')}"
        return f"{scope['method']} (no route) {scope['path']}"

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == STATS_ROUTE:
            body = json.dumps(
                {
                    "calls": dict(sorted(self.calls.items())),
                    "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                    "first": self.first,
                    "last": self.last,
                }
            ).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        if not scope["path"].startswith("/v2/"):
            await self.app(scope, receive, send)
            return
        if self.first is None:
            self.first = time.time()
        kind = self._kind(scope)
        status = 0

        async def noting(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting)
        finally:
            self.last = time.time()
            self.calls[kind] += 1
            self.statuses[status] += 1


def serve_simulator(argv: list[str]) -> int:
    """The simulator process: the built-in app behind the Observer, on loopback only."""
    from porting_batch.simulator.app import create_app
    from porting_batch.simulator.config import SimulatorConfig

    # The simulator command's own socket and server set-up (TCP_NODELAY matters at 50 ms).
    from porting_batch.simulator.server import _bind, _server

    parser = argparse.ArgumentParser(prog="bench_scale.py _simulator")
    parser.add_argument("--rate-limit", type=float, required=True)
    parser.add_argument("--latency-ms", type=float, required=True)
    args = parser.parse_args(argv)
    # The lenient profile, named rather than left to the default: every figure of issue 13
    # was measured with it (a simulator that says yes, so the calls stay at their minimum).
    config = SimulatorConfig(
        latency_ms=args.latency_ms, rate_limit_per_s=args.rate_limit, profile="lenient"
    )
    app = create_app(config)
    sock = _bind("127.0.0.1", 0)
    print(f"Simulator listening on http://127.0.0.1:{sock.getsockname()[1]}/v2", flush=True)
    print(f"API key: {config.api_keys[0]}", flush=True)
    server = _server(Observer(app), "warning")
    signal.signal(signal.SIGTERM, lambda *_: setattr(server, "should_exit", True))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.state.webhooks.close()
        app.state.sim.store.close()
    return 0


# --------------------------------------------------------------------------- the library child


def run_library_child(argv: list[str]) -> int:
    """The porting-batch process of library mode: run_batch, then its figures as JSON."""

    parser = argparse.ArgumentParser(prog="bench_scale.py _library")
    for name in ("--path", "--base-url", "--api-key", "--state", "--result"):
        parser.add_argument(name, required=True)
    parser.add_argument("--limit", type=float, required=True)
    parser.add_argument("--in-flight", type=int, required=True)
    parser.add_argument("--profile")
    args = parser.parse_args(argv)

    from porting_batch import event_loop
    from porting_batch.client import PortingClient
    from porting_batch.ledger import Ledger
    from porting_batch.runner import BatchOptions, run_batch
    from porting_batch.settings import Settings

    imported = time.time()

    async def batch() -> dict[str, Any]:
        settings = Settings(
            state_dir=Path(args.state),
            out_dir=Path(args.state) / "reports",
            requests_per_second=args.limit,
            max_in_flight=args.in_flight,
            # Issue 13's figures are the ordering path; the CSR step has its own benchmark
            # (bench_csr.py), and its polling waits would hide this one's CPU per call.
            csr_policy="off",
        )
        ledger = Ledger(settings.ledger_database_url)
        try:
            async with PortingClient.from_settings(
                settings, base_url=args.base_url, api_key=args.api_key
            ) as client:
                result = await run_batch(
                    settings, ledger, client, Path(args.path), BatchOptions(confirm=True)
                )
                stats = client.stats.as_dict()
        finally:
            ledger.close()
        return {
            "complete": result.complete,
            "failure": result.failure,
            "orders": len(result.orders),
            "client_stats": stats,
        }

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.time()
    outcome = event_loop.run(batch())
    finished = time.time()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    outcome.update(imported=imported, run_started=started, run_finished=finished)
    Path(args.result).write_text(json.dumps(outcome), encoding="utf-8")
    return 0 if outcome["complete"] else 1


# --------------------------------------------------------------------------- processes


def _die_with_parent() -> None:
    """Children get SIGKILL if the benchmark itself dies, so no simulator outlives it."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    os.setsid()


def _stop(process: subprocess.Popen[Any]) -> None:
    """Stop a child's whole process group: politely, then for sure."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def _proc_status(pid: int, field_name: str) -> int | None:
    """A kB figure from /proc/<pid>/status (VmHWM, VmRSS), or None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1])
    return None


def _proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a live process, from /proc/<pid>/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (Prefect's server in cli mode, for instance)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii")
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    todo = list(children.get(pid, []))
    while todo:
        one = todo.pop()
        found.append(one)
        todo.extend(children.get(one, []))
    return found


def _command_of(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)[:120]


@contextlib.contextmanager
def simulator_process(limit: float, latency_ms: float, work: Path) -> Iterator[Simulator]:
    """The observed simulator in its own process; always stopped on the way out."""
    log = (work / "simulator.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "_simulator",
            "--rate-limit",
            str(limit),
            "--latency-ms",
            str(latency_ms),
        ],
        cwd=work,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        preexec_fn=_die_with_parent,
    )
    # A simulator that never says where it listens must not hang the benchmark.
    timer = threading.Timer(60, process.kill)
    timer.start()
    try:
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
        timer.cancel()
        if "listening on" not in first or "API key:" not in second:
            raise RuntimeError(f"the simulator did not start: {first!r} (see {log.name})")
        yield Simulator(
            process=process,
            base_url=first.rsplit(" ", 1)[-1].strip(),
            api_key=second.split(":", 1)[1].strip(),
        )
    finally:
        timer.cancel()
        _stop(process)
        log.close()


@dataclass
class Simulator:
    """A running observed simulator."""

    process: subprocess.Popen[Any]
    base_url: str
    api_key: str

    def stats(self) -> dict[str, Any]:
        """The observer's counts and times."""
        url = self.base_url.removesuffix("/v2") + STATS_ROUTE
        with urllib.request.urlopen(url, timeout=30) as answer:
            data: dict[str, Any] = json.loads(answer.read())
        return data


@dataclass
class ChildRun:
    """What the porting-batch process cost, from wait4 and /proc samples."""

    returncode: int
    timed_out: bool
    spawned: float
    ended: float
    cpu_s: float
    #: The user and system parts of ``cpu_s``.
    user_s: float
    sys_s: float
    maxrss_kb: int
    #: Sampled every 0.25 s, so the last moments of a process may be missing.
    processes: dict[str, dict[str, float]] = field(default_factory=dict)
    #: (time, CPU seconds) of the porting-batch process, sampled with the memory.
    cpu_samples: list[tuple[float, float]] = field(default_factory=list)

    def cpu_at(self, moment: float) -> float | None:
        """The process's CPU seconds at ``moment``, interpolated between the samples."""
        before = [s for s in self.cpu_samples if s[0] <= moment]
        after = [s for s in self.cpu_samples if s[0] > moment]
        if not before or not after:
            return None
        (t0, c0), (t1, c1) = before[-1], after[0]
        return c0 + (c1 - c0) * (moment - t0) / (t1 - t0)


def run_child(command: list[str], env: dict[str, str], cwd: Path, timeout: float) -> ChildRun:
    """Run porting-batch to the end (or the timeout), sampling its descendants' peak memory."""
    log = (cwd / "porting-batch.log").open("w", encoding="utf-8")
    spawned = time.time()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=_die_with_parent,
    )  # fmt: skip
    # Last sample of each process of the tree: command, VmHWM (kB), CPU (s).
    seen: dict[int, tuple[str, int, float]] = {}
    samples: list[tuple[float, float]] = []
    timed_out = False
    try:
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.time() - spawned > timeout:
                timed_out = True
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            for one in [process.pid, *_descendants(process.pid)]:
                peak, cpu = _proc_status(one, "VmHWM"), _proc_cpu_s(one)
                if peak is not None and cpu is not None:
                    seen[one] = (_command_of(one), peak, cpu)
                    if one == process.pid:
                        samples.append((time.time(), cpu))
            time.sleep(0.25)
    finally:
        # Whatever the way out, nothing of this run keeps running.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        if process.returncode is None:
            # Reaped here by wait4, or orphaned on the way out: Popen must not wait for it again.
            process.returncode = -1
        log.close()
    ended = time.time()
    return ChildRun(
        returncode=os.waitstatus_to_exitcode(status),
        timed_out=timed_out,
        spawned=spawned,
        ended=ended,
        cpu_s=usage.ru_utime + usage.ru_stime,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        maxrss_kb=usage.ru_maxrss,
        processes={
            f"{pid} {cmd}": {"hwm_kb": kb, "cpu_s": cpu} for pid, (cmd, kb, cpu) in seen.items()
        },
        cpu_samples=samples,
    )


# --------------------------------------------------------------------------- report


def print_profile(path: Path, top: int = 25) -> list[dict[str, Any]]:
    """The ``top`` functions by cumulative time, with their share of the profiled time."""
    import pstats

    stats = pstats.Stats(str(path))
    total = stats.total_tt or 1e-9  # type: ignore[attr-defined]
    rows = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: item[1][3],
        reverse=True,
    )[:top]
    print(f"\n== profile (cProfile, {total:.1f} s profiled), top {top} by cumulative time")
    print(f"  {'cum %':>6} {'cum s':>8} {'own s':>7} {'calls':>9}  function (file:line)")
    out = []
    for (file, line, name), (_cc, calls, own, cumulative, _callers) in rows:
        where = file.replace(str(ROOT) + "/", "")
        if ".venv/" in where:
            where = where.split("site-packages/", 1)[-1]
        print(
            f"  {100 * cumulative / total:6.1f} {cumulative:8.2f} {own:7.2f} {calls:9d}  "
            f"{name} ({where}:{line})"
        )
        out.append(
            {
                "function": name,
                "file": where,
                "line": line,
                "cumulative_s": cumulative,
                "cumulative_pct": 100 * cumulative / total,
                "own_s": own,
                "calls": calls,
            }
        )
    return out


#: Additions in the machine's reference loop (about 0.6 s of CPU on the 2-core machine here).
REFERENCE_ADDS = 5_000_000


def reference_loop_s() -> float:
    """CPU seconds of a fixed pure-Python loop: how fast this machine's cores run Python.

    CPU per API call depends on the machine as much as on porting-batch (the same commit
    measured 1.52 ms on one 2-core machine and 3.41 ms on another): figures from two machines
    compare only as multiples of this reference.
    """
    started = time.process_time()
    total = 0
    for i in range(REFERENCE_ADDS):
        total += i
    return time.process_time() - started


def report(figures: dict[str, Any]) -> None:
    """The compact table of one run."""
    mb = 1024.0
    print(
        f"\n== {figures['mode']}: {figures['numbers']} numbers in {figures['accounts']} accounts,"
        f" limit {figures['limit']:g}/s, latency {figures['latency_ms']:g} ms,"
        f" {figures['in_flight']} in flight"
    )
    status = "TIMED OUT" if figures["timed_out"] else f"exit {figures['returncode']}"
    print(f"  {'outcome':<34} {status}, complete={figures.get('complete')}")
    rows = [
        ("wall, spawn to exit (s)", f"{figures['wall_s']:.1f}"),
        ("  of which run_batch (s)", _maybe(figures.get("run_batch_s"), "{:.1f}")),
        ("first to last API call (s)", _maybe(figures.get("api_span_s"), "{:.1f}")),
        ("rate-limit bound, min calls/limit (s)", f"{figures['bound_s']:.1f}"),
        ("ratio wall / bound", f"{figures['ratio']:.2f}"),
        ("time to first API call (s)", _maybe(figures.get("first_call_s"), "{:.2f}")),
        ("bytecode cached (as installed)", "yes" if figures.get("bytecode_cached") else "no"),
        ("porting-batch CPU, whole tree (s)", f"{figures['cpu_s']:.1f}"),
        ("  user / system (s)", "{:.1f} / {:.1f}".format(figures["user_s"], figures["sys_s"])),
        ("  before the first API call (s)", _maybe(figures.get("cpu_before_first_s"), "{:.1f}")),
        ("porting-batch CPU per API call (ms)", _maybe(figures.get("cpu_ms_per_call"), "{:.2f}")),
        ("  of the calls alone (ms)", _maybe(figures.get("calls_cpu_ms_per_call"), "{:.2f}")),
        ("porting-batch peak RSS, largest (MB)", f"{figures['maxrss_kb'] / mb:.0f}"),
        ("simulator peak RSS (MB)", _maybe(figures.get("simulator_hwm_kb"), "{:.0f}", mb)),
        ("simulator CPU (s)", _maybe(figures.get("simulator_cpu_s"), "{:.1f}")),
        ("429s / other errors", f"{figures['rate_limited']} / {figures['errors']}"),
        ("load average 1 min, before / after", "{} / {}".format(*figures["load_avg_1m"])),
        ("machine: reference loop CPU (s)", f"{figures['reference_loop_s']:.2f}"),
        ("CPU per API call / reference loop", _maybe(figures.get("per_call_in_loops"), "{:.5f}")),
    ]
    for label, value in rows:
        print(f"  {label:<38} {value}")
    if len(figures["processes"]) > 1:
        print("  porting-batch's processes (sampled): peak RSS, CPU")
        for name, one in figures["processes"].items():
            print(f"    {one['hwm_kb'] / mb:5.0f} MB {one['cpu_s']:6.1f} s  {name[:70]}")
    print(f"  {'calls by kind':<46} {'made':>7} {'minimum':>8}")
    minimum = figures["minimum_calls"]
    for kind in sorted(set(minimum) | set(figures["calls"])):
        made, least = figures["calls"].get(kind, 0), minimum.get(kind, 0)
        flag = "" if made == least else ("  <- above the minimum" if made > least else "  <- below")
        print(f"  {kind:<46} {made:>7} {least:>8}{flag}")
    print(f"  {'total':<46} {figures['total_calls']:>7} {figures['minimum_total']:>8}")


def _maybe(value: float | None, form: str, divide: float = 1.0) -> str:
    return "n/a" if value is None else form.format(value / divide)


# --------------------------------------------------------------------------- main


def child_command(args: argparse.Namespace, sim: Simulator, work: Path) -> list[str]:
    """The porting-batch process of the chosen mode."""
    batch = work / "batch" / "bench-batch.csv"
    if args.mode == "cli":
        script = Path(sys.executable).with_name("porting-batch")
        head = [str(script)] if script.exists() else [sys.executable, "-m", "flows.cli"]
        return [*head, "run", str(batch), "--confirm", "--state", str(work / "state"),
                "--out", str(work / "reports")]  # fmt: skip
    command = [
        sys.executable, str(Path(__file__).resolve()), "_library",
        "--path", str(batch), "--base-url", sim.base_url, "--api-key", sim.api_key,
        "--state", str(work / "state"), "--result", str(work / "result.json"),
        "--limit", str(args.limit), "--in-flight", str(args.in_flight),
    ]  # fmt: skip
    if args.profile:
        command += ["--profile", str(Path(args.profile).resolve())]
    return command


#: Where the porting-batch process caches its bytecode across runs (see ``warm_bytecode``).
PYCACHE = Path(tempfile.gettempdir()) / f"bench-scale-pycache-{os.getuid()}"
#: What the porting-batch process of each mode imports, compiled before it is measured.
WARM_IMPORTS = {
    "library": "import porting_batch.runner, porting_batch.client, porting_batch.ledger, "
    "porting_batch.reports, porting_batch.intake, pandas, openpyxl",
    "cli": "import flows.cli, flows.port_in, porting_batch.runner, porting_batch.reports",
}


def warm_bytecode(args: argparse.Namespace, env: dict[str, str], cwd: Path) -> None:
    """Compile what the measured process imports, into the cache it will read, unless the
    caller keeps its own bytecode setting (``--no-bytecode-cache``).

    With PYTHONDONTWRITEBYTECODE=1 (some sandboxes set it) every run compiles its imports from
    source, seconds of CPU that an installed environment, which caches its bytecode, never
    spends; they would count against the run's CPU per call."""
    if args.no_bytecode_cache:
        return
    subprocess.run(
        [sys.executable, "-c", WARM_IMPORTS[args.mode]], env=env, cwd=cwd, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip


def child_env(args: argparse.Namespace, sim: Simulator, work: Path) -> dict[str, str]:
    """The environment of the porting-batch process: only what this run decides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTING_", "PREFECT_API"))}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_HOME": str(work / "prefect"),
            "PORTING_API": "telnyx",  # 'the real API' path, pointed at this simulator
            "PORTING_API_BASE_URL": sim.base_url,
            "PORTING_API_KEY": sim.api_key,
            "PORTING_REQUESTS_PER_SECOND": str(args.limit),
            "PORTING_MAX_IN_FLIGHT": str(args.in_flight),
            "PORTING_CSR_POLICY": "off",  # as in library mode: bench_csr.py measures CSRs
        }
    )
    if not args.no_bytecode_cache:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def measure(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Generate the batch, run it once against a fresh simulator, and gather the figures."""
    started = time.perf_counter()
    path = write_batch(work / "batch", args.numbers, args.accounts)
    minimum = minimum_calls(path)
    print(
        f"batch written in {time.perf_counter() - started:.1f} s: {path}; "
        f"minimum calls {sum(minimum.values())}"
    )
    bound = sum(minimum.values()) / args.limit
    timeout = args.timeout or 120 + 10 * bound
    (work / "state").mkdir(exist_ok=True)
    # Two cores shared with others: the load says how quiet the machine was.
    load_before = os.getloadavg()
    reference = min(reference_loop_s() for _ in range(3))
    with simulator_process(args.limit, args.latency_ms, work) as sim:
        env = child_env(args, sim, work)
        warm_bytecode(args, env, work)
        child = run_child(child_command(args, sim, work), env, work, timeout)
        observed = sim.stats()
        sim_hwm = _proc_status(sim.process.pid, "VmHWM")
        sim_cpu = _proc_cpu_s(sim.process.pid)
    calls: dict[str, int] = observed["calls"]
    total = sum(calls.values())
    statuses: dict[str, int] = observed["statuses"]
    wall = child.ended - child.spawned
    # What the process spent once calling began (intake, imports and planning left out).
    before_first = child.cpu_at(observed["first"]) if observed["first"] else None
    figures: dict[str, Any] = {
        "mode": args.mode,
        "numbers": args.numbers,
        "accounts": args.accounts,
        "limit": args.limit,
        "latency_ms": args.latency_ms,
        "in_flight": args.in_flight,
        "profiled": bool(args.profile),
        "bytecode_cached": not args.no_bytecode_cache,
        "returncode": child.returncode,
        "timed_out": child.timed_out,
        "timeout_s": timeout,
        "wall_s": wall,
        "bound_s": bound,
        "ratio": wall / bound,
        "first_call_s": observed["first"] - child.spawned if observed["first"] else None,
        "api_span_s": (observed["last"] - observed["first"]) if observed["first"] else None,
        "cpu_s": child.cpu_s,
        "cpu_ms_per_call": 1000 * child.cpu_s / total if total else None,
        "user_s": child.user_s,
        "sys_s": child.sys_s,
        "cpu_before_first_s": before_first,
        "calls_cpu_ms_per_call": (
            1000 * (child.cpu_s - before_first) / total if total and before_first else None
        ),
        "maxrss_kb": child.maxrss_kb,
        "processes": child.processes,
        "simulator_hwm_kb": sim_hwm,
        "simulator_cpu_s": sim_cpu,
        "calls": calls,
        "total_calls": total,
        "minimum_calls": minimum,
        "minimum_total": sum(minimum.values()),
        "rate_limited": statuses.get("429", 0),
        "errors": sum(v for k, v in statuses.items() if not k.startswith("2") and k != "429"),
        "statuses": statuses,
        "load_avg_1m": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "reference_loop_s": reference,
        "per_call_in_loops": (child.cpu_s / total / reference if total else None),
    }
    result = work / "result.json"
    if args.mode == "library" and result.exists():
        outcome = json.loads(result.read_text(encoding="utf-8"))
        figures.update(
            complete=outcome["complete"],
            failure=outcome["failure"],
            orders=outcome["orders"],
            client_stats=outcome["client_stats"],
            import_s=outcome["imported"] - child.spawned,
            run_batch_s=outcome["run_finished"] - outcome["run_started"],
        )
    elif args.mode == "cli":
        figures["complete"] = child.returncode == 0 and not child.timed_out
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with a hidden first argument, one of its child processes)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "_simulator":
        return serve_simulator(argv[1:])
    if argv and argv[0] == "_library":
        return run_library_child(argv[1:])
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--numbers", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument(
        "--limit", type=float, default=500.0, help="req/s at the simulator and client pacing"
    )
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--mode", choices=("library", "cli"), default="library")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument(
        "--profile", help="library mode: cProfile the child into this file, print the top 25"
    )
    parser.add_argument(
        "--timeout", type=float, help="seconds before the run is killed (default 120 + 10 x bound)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep the caller's PYTHONDONTWRITEBYTECODE (the run then compiles its imports)",
    )
    args = parser.parse_args(argv)
    if args.profile and args.mode != "library":
        parser.error("--profile works in library mode only")
    # A SIGTERM takes the same way out as Ctrl-C, through every finally that stops a process.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        figures = measure(args, work)
        report(figures)
        if args.profile:
            figures["profile_top"] = print_profile(Path(args.profile))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        if not figures.get("complete"):
            print(f"  the run did not complete; logs in {work}", file=sys.stderr)
            args.keep = True
        return 0 if figures.get("complete") else 1
    except KeyboardInterrupt:
        print("interrupted; the simulator and porting-batch were stopped", file=sys.stderr)
        return 130
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
