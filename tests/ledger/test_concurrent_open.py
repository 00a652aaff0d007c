"""Several processes opening one new ledger at once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from porting_batch.ledger import MIGRATIONS
from tests.ledger.hold_child import first_line

CHILD = Path(__file__).with_name("hold_child.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_four_processes_opening_a_new_ledger_at_once_all_succeed(ledger_url, tmp_path):
    """Four processes migrating a new ledger together all open it, and exactly one of them wins
    the race for the same batch."""
    start = tmp_path / "go"
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD), "race", ledger_url, "march", str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(4)
    ]
    try:
        # Released together once every one has imported everything, for a real race.
        assert [first_line(child, timeout=120) for child in children] == ["ready"] * 4
        start.touch()
        outcomes = [child.communicate(timeout=120) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
    failures = [err for (_out, err), c in zip(outcomes, children, strict=True) if c.returncode]
    assert failures == []
    results = [json.loads(out) for out, _err in outcomes]
    assert [r["won"] for r in results].count(True) == 1
    assert all(r["migrations"] == [name for name, _ in MIGRATIONS] for r in results)
