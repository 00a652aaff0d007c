"""Crash safety: a run killed (SIGKILL) at any point and run again ends exactly like a run that
was never interrupted: no duplicate order, no lost row.

The simulator runs in the test process behind a wrapper that, on the Nth request of a kind,
applies the request and then kills the batch process before it can read the answer: the worst
moment, a write that landed but was never recorded.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from porting_batch.simulator import SimulatorConfig, create_app

from .conftest import SAMPLE

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]


class KillOnRequest:
    """ASGI wrapper: the Nth matching request is applied, then its caller is killed."""

    def __init__(self, app: Any, method: str, path: str, nth: int) -> None:
        self.app = app
        self.method = method
        self.path = re.compile(path)
        self.nth = nth
        self.seen = 0
        self.victim: int | None = None
        self.killed = False
        self.in_flight = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.in_flight += 1
        try:
            await self._handle(scope, receive, send)
        finally:
            self.in_flight -= 1

    def wait_until_idle(self, timeout: float = 30.0) -> None:
        """Wait until requests the killed process had already sent are done with."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.in_flight == 0, "the server is still busy with the killed run's requests"

    async def _handle(self, scope: Any, receive: Any, send: Any) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == self.method
            and self.path.fullmatch(scope["path"])
            and self.victim is not None
            and not self.killed
        ):
            self.seen += 1
            if self.seen == self.nth:

                async def swallow(message: Any) -> None:
                    return None

                await self.app(scope, receive, swallow)
                os.kill(self.victim, signal.SIGKILL)
                self.killed = True
                return
        await self.app(scope, receive, send)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port in a thread; yields the /v2 base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v2"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def run_child(base_url: str, state: Path, confirm: bool, wrapper: KillOnRequest | None = None):
    """Run the batch in a subprocess; with a wrapper, it is killed at the wrapper's point."""
    process = subprocess.Popen(
        [sys.executable, str(CHILD), base_url, str(state), str(SAMPLE), "confirm" * confirm],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if wrapper is not None:
        wrapper.victim = process.pid
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def order_sets(app: Any) -> list[frozenset[str]]:
    """The simulator's orders as sets of numbers (ids differ between simulators)."""
    orders = app.state.sim.store.all("orders")
    sets = (frozenset(n["phone_number"] for n in o["_sim"]["numbers"]) for o in orders)
    return sorted(sets, key=sorted)


_REFERENCES: dict[bool, tuple[dict[str, Any], list[frozenset[str]]]] = {}


def _uninterrupted(tmp_path: Path, confirm: bool) -> tuple[dict[str, Any], list[frozenset[str]]]:
    """An uninterrupted run's per-number outcomes and orders (computed once per mode)."""
    if confirm not in _REFERENCES:
        _REFERENCES[confirm] = _run_uninterrupted(tmp_path, confirm)
    return _REFERENCES[confirm]


def _run_uninterrupted(
    tmp_path: Path, confirm: bool
) -> tuple[dict[str, Any], list[frozenset[str]]]:
    app = create_app(SimulatorConfig())
    with serve(app) as url:
        code, out, err = run_child(url, tmp_path / "reference", confirm)
    assert code == 0, err
    return json.loads(out), order_sets(app)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "path", "nth", "confirm"),
    [
        pytest.param("POST", r"/v2/porting_orders", 1, False, id="first-create"),
        pytest.param("POST", r"/v2/porting_orders", 3, False, id="third-create"),
        pytest.param("POST", r"/v2/documents", 2, False, id="an-upload"),
        pytest.param("PATCH", r"/v2/porting_orders/[^/]+", 4, False, id="a-patch"),
        pytest.param("POST", r"/v2/porting_orders/[^/]+/actions/confirm", 2, True, id="a-confirm"),
    ],
)
def test_killed_run_resumes_to_the_same_end(tmp_path, method, path, nth, confirm):
    """Killed mid-write and run again, the batch ends as an uninterrupted run does."""
    expected_numbers, expected_orders = _uninterrupted(tmp_path, confirm)
    app = create_app(SimulatorConfig())
    wrapper = KillOnRequest(app, method, path, nth)
    with serve(wrapper) as url:
        code, _, _ = run_child(url, tmp_path / "state", confirm, wrapper)
        assert wrapper.killed and code == -signal.SIGKILL
        # Writes the dead process had already sent still land, as they would at Telnyx; the
        # next run starts after them (an operator re-runs seconds or hours later, not within
        # the same millisecond).
        wrapper.wait_until_idle()
        code, out, err = run_child(url, tmp_path / "state", confirm)
    assert code == 0, err
    numbers = json.loads(out)
    assert {n: v[0] for n, v in numbers.items()} == {n: v[0] for n, v in expected_numbers.items()}
    assert order_sets(app) == expected_orders
    ordered = [n for numbers_ in order_sets(app) for n in numbers_]
    assert len(ordered) == len(set(ordered))
