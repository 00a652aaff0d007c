"""The operating docs and prefect.yaml agree with the code: settings, commands, deployments."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from flows.cli import build_parser
from flows.deployments import (
    CONFIRM,
    INBOX,
    INBOX_RUNS,
    MANUAL,
    OPERATING_FIELDS,
    SCHEDULED,
    TRACK_ORDERS,
)
from porting_batch.inbox import FORCE_MARK
from porting_batch.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
OPERATING = (ROOT / "docs" / "operating.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", sorted(OPERATING_FIELDS))
def test_every_operating_setting_is_documented_with_its_default(field):
    """Each PORTING_* variable of the served deployments has a row with its default."""
    variable = f"PORTING_{field.upper()}"
    rows = [line for line in OPERATING.splitlines() if line.startswith(f"| `{variable}` |")]
    assert rows, f"{variable} missing from docs/operating.md"
    default = Settings.model_fields[field].default
    shown = str(default).lower() if isinstance(default, bool) else str(default)
    assert shown.rstrip("0").rstrip(".") in rows[0], (variable, default, rows[0])


@pytest.mark.parametrize("command", ["serve", "inbox"])
def test_every_option_of_serve_and_inbox_is_documented(command):
    """The README or docs/operating.md shows each command and its options."""
    sub = next(action for action in build_parser()._subparsers._group_actions).choices[command]
    assert f"porting-batch {command}" in README + OPERATING
    for action in sub._actions:
        for option in action.option_strings:
            if option in ("-h", "--help", "--out", "--state", "--inbox"):
                continue  # the shared folder options are documented with `run`
            assert option in README + OPERATING, (command, option)


def test_prefect_yaml_deploys_the_served_deployments_from_the_same_flows():
    """prefect.yaml has the five served deployments, each on the same flow, one run at a time
    (the inbox: INBOX_RUNS at a time)."""
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    by_name = {d["name"]: d for d in config["deployments"]}
    assert set(by_name) == {MANUAL, SCHEDULED, INBOX, TRACK_ORDERS, CONFIRM}
    flows = {}
    for name, deployment in by_name.items():
        path, function = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        flows[name] = getattr(module, function).name
        runs = INBOX_RUNS if name == INBOX else 1
        assert deployment["concurrency_limit"] == {"limit": runs, "collision_strategy": "ENQUEUE"}
        assert deployment["enforce_parameter_schema"] is True
        assert deployment["work_pool"]["name"] == "porting"
    assert flows == {
        MANUAL: "port-in-batch",
        SCHEDULED: "port-in-batch",
        INBOX: "inbox-scan",
        TRACK_ORDERS: "track-orders",
        CONFIRM: "confirm-batch",
    }
    assert by_name[TRACK_ORDERS]["schedules"] == [
        {"interval": Settings.model_fields["track_interval_s"].default}
    ]
    (cron,) = by_name[SCHEDULED]["schedules"]
    assert set(cron) == {"cron", "timezone"}


def test_docs_name_the_force_mark_and_the_inbox_folders():
    """The operator can find how to force a re-run and where each outcome lands."""
    assert f"march{FORCE_MARK}.xlsx" in OPERATING
    for folder in ("inbox/", "processing/", "done/", "failed/", "error.md"):
        assert folder in OPERATING
