"""The flow's tasks take small parameters (ids): Prefect's cost per task never grows with rows."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import flows.port_in as port_in

#: What a task parameter may be: an id, a list of ids, a folder.
SMALL = {str, list[str], Path}


def test_every_port_in_task_takes_only_ids_and_paths():
    """No task of port-in-batch takes a run, a plan, groups or rows as a parameter."""
    tasks = [v for v in vars(port_in).values() if hasattr(v, "fn") and hasattr(v, "task_key")]
    assert {t.name for t in tasks} >= {
        "read-spreadsheet",
        "check-portability",
        "plan-orders",
        "run-order-groups",
        "write-reports",
    }
    for task in tasks:
        hints = typing.get_type_hints(task.fn)
        for name in inspect.signature(task.fn).parameters:
            assert hints[name] in SMALL, f"{task.name} takes {name}: {hints[name]}"
