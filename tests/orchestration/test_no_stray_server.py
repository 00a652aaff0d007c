"""No Prefect server outlives a command (issue 12.2): `porting-batch inbox` without a server
imports no Prefect, `serve` and `inbox --watch` refuse to start one, and a SIGKILLed scan leaves
no process of its own behind, its drop finished by the next scan."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from porting_batch.inbox import InboxPaths

from .test_cli_process import (
    _MEASURE,
    BIN,
    HANG_S,
    Simulator,
    _default_sigint,
    _env,
    _numbers_in_orders,
    _open_creates,
    _wait_for,
    simulator,  # noqa: F401  (the fixture)
)
from .test_inbox_here import drop_sample, result_of

pytestmark = pytest.mark.slow  # real processes and a real server

#: How long a process the command started may take to notice its parent died; a child that
#: is still there after this outlived the command.
ORPHAN_S = 60.0


def _env_without_server() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTING_", "PREFECT_API"))}
    env["PORTING_CSR_POLICY"] = "off"  # reading CSRs is tests/csr's subject
    return env


def _processes_with(marker: str) -> dict[int, str]:
    """Our processes whose environment holds ``marker``: whatever a command started inherits
    it, so this finds its children even after they were re-parented."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile, or not ours
            continue
        if marker.encode() in environ:
            found[int(entry.name)] = cmdline
    return found


def _measure(args: list[str], cwd: Path, env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=HANG_S,
    )
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "stderr": done.stderr}


def test_inbox_scan_without_a_prefect_server_loads_no_prefect(tmp_path):
    """Without PREFECT_API_URL, one `inbox` scan runs and files a drop without importing
    Prefect, so no temporary Prefect server is ever started."""
    paths = InboxPaths(tmp_path / "root").ensure()
    drop_sample(paths)
    env = {**_env_without_server(), "PORTING_INBOX_SETTLE_S": "0.2", "PORTING_INBOX_DRY_RUN": "1"}
    args = ["inbox", "--inbox", str(paths.root), "--state", str(tmp_path / "s")]
    report = _measure(args, tmp_path, env)
    assert report["code"] == 0, report["stderr"]
    assert report["prefect"] == []
    (filed,) = paths.done.iterdir()
    assert result_of(filed)["status"] == "done"
    print(f"\n[measured] inbox scan of the sample without Prefect, in-process: {report['s']:.1f} s")


@pytest.mark.parametrize("command", [["serve"], ["inbox", "--watch"]], ids=["serve", "watch"])
def test_serve_and_watch_without_a_prefect_server_start_none(tmp_path, command):
    """Without PREFECT_API_URL, `serve` and `inbox --watch` exit 2 without importing Prefect."""
    report = _measure(command, tmp_path, _env_without_server())
    assert report["code"] == 2
    assert report["prefect"] == []
    assert "prefect server start" in report["stderr"]


def test_a_killed_inbox_scan_leaves_no_process_and_the_next_scan_finishes_its_drop(
    tmp_path,
    simulator: Simulator,  # noqa: F811  (the fixture imported above)
):
    """SIGKILLed while an order of its drop is being created, `porting-batch inbox` leaves no
    process of its own (no Prefect server, no uvicorn); the next scan resumes the claim and
    finishes it, with no number in two orders."""
    paths = InboxPaths(tmp_path / "root").ensure()
    drop_sample(paths)
    env = {
        **_env(tmp_path, simulator),
        "PORTING_INBOX_DIR": str(paths.root),
        "PORTING_INBOX_SETTLE_S": "0.2",
    }
    marker = f"PORTING_STATE_DIR={env['PORTING_STATE_DIR']}"
    command = [str(BIN / "porting-batch"), "inbox"]
    log = tmp_path / "first.log"
    first = subprocess.Popen(
        command,
        env=env,
        cwd=tmp_path,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=_default_sigint,
    )
    ledger = tmp_path / "state" / "ledger.db"
    try:
        _wait_for(lambda: first.poll() is not None or _open_creates(ledger) > 0, "a create")
        assert first.poll() is None, log.read_text(encoding="utf-8", errors="replace")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=HANG_S)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    deadline = time.monotonic() + ORPHAN_S
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_with(marker) == {}
    assert [p.name for p in paths.processing.iterdir()], "the claim should wait in processing/"

    again = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=HANG_S
    )
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert list(paths.processing.iterdir()) == list(paths.inbox.iterdir()) == []
    (filed,) = paths.done.iterdir()
    result = result_of(filed)
    assert (result["status"], result["runs"]) == ("done", 2)
    assert f"done       march -> {filed}" in again.stdout
    numbers = _numbers_in_orders(simulator)
    assert len(numbers) == 43 and len(set(numbers)) == 43
    assert _processes_with(marker) == {}
