"""Crash safety: a run killed (SIGKILL) at any point and run again ends exactly like a run that
was never interrupted: no duplicate order, no lost row.

The simulator runs in the test process behind a wrapper that, on the Nth request of a kind,
applies the request and then kills the batch process before it can read the answer: the worst
moment, a write that landed but was never recorded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from crash.harness import KillOnRequest, order_sets, serve

from porting_batch.simulator import SimulatorConfig, create_app

from .conftest import SAMPLE

CHILD = Path(__file__).with_name("crash_child.py")
ROOT = Path(__file__).resolve().parents[2]


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
    wrapper = KillOnRequest(app, nth, method, path)
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
