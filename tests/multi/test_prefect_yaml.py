"""prefect.yaml deploys to the work pool the same deployments ``porting-batch serve`` builds
(``flows.deployments.build_deployments``): names, flows, limits, schedules, triggers."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.deployments import build_deployments
from porting_batch.settings import load_settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
BY_NAME = {d["name"]: d for d in CONFIG["deployments"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Any]:
    """The built deployments by name, built with a throwaway state folder."""
    state = tmp_path_factory.mktemp("state")
    return {d.name: d for d in build_deployments(load_settings({"state_dir": str(state)}))}


def _flow_name(entrypoint: str) -> str:
    path, function = entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return str(getattr(module, function).name)


def test_prefect_yaml_has_the_served_deployments_on_the_same_flows(built):
    """Same five names, each on the same flow, with the same tags and a checked form."""
    assert set(BY_NAME) == set(built)
    for name, deployment in BY_NAME.items():
        assert _flow_name(deployment["entrypoint"]) == built[name].flow_name, name
        assert deployment["tags"] == built[name].tags, name
        assert deployment["enforce_parameter_schema"] is True
        assert deployment["work_pool"]["name"] == "porting"


def test_prefect_yaml_gives_each_deployment_the_served_concurrency_limit(built):
    """The inbox's several runs at once and everyone else's one, all enqueued past it."""
    for name, deployment in BY_NAME.items():
        limit = deployment["concurrency_limit"]
        assert limit["limit"] == built[name].concurrency_limit, name
        assert limit["collision_strategy"] == built[name].concurrency_options.collision_strategy
    assert BY_NAME["inbox"]["concurrency_limit"]["limit"] > 1


def test_prefect_yaml_inbox_triggers_are_the_served_ones(built):
    """The drop trigger and the crashed-scan trigger, field for field; no schedule."""
    wanted = [
        t.model_dump(mode="json", exclude_unset=True, exclude={"enabled"})
        for t in built["inbox"].triggers
    ]
    given = [
        {k: v for k, v in t.items() if k not in {"type", "enabled"}}
        for t in BY_NAME["inbox"]["triggers"]
    ]
    assert given == wanted
    assert "schedules" not in BY_NAME["inbox"]


def test_prefect_yaml_schedules_match_the_served_ones(built):
    """Tracking on the same interval; the scheduled folder on a cron with its time zone, in
    draft mode, as served without PORTING_SCHEDULED_CONFIRM."""
    (interval,) = BY_NAME["track-orders"]["schedules"]
    (tracking,) = built["track-orders"].schedules
    assert interval == {"interval": tracking.schedule.interval.total_seconds()}
    (cron,) = BY_NAME["scheduled"]["schedules"]
    assert set(cron) == {"cron", "timezone"}
    request = BY_NAME["scheduled"]["parameters"]["request"]
    assert request["mode"] == built["scheduled"].parameters["request"]["mode"] == "draft"
    assert set(request) == set(built["scheduled"].parameters["request"])
    for name in ("manual", "confirm"):
        assert "schedules" not in BY_NAME[name] and not built[name].schedules


def test_prefect_yaml_crashes_runs_whose_heartbeats_stop():
    """The automation marks a run Crashed after `within` s without a heartbeat, more than the
    30 s heartbeat the documented workers send; Prefect's own model takes it."""
    from prefect.events.schemas.automations import AutomationCore

    (automation,) = CONFIG["automations"]
    AutomationCore.model_validate(automation)
    trigger = automation["trigger"]
    assert trigger["posture"] == "Proactive" and trigger["after"] == ["prefect.flow-run.heartbeat"]
    assert trigger["within"] > 30
    (action,) = automation["actions"]
    assert (action["type"], action["state"]) == ("change-flow-run-state", "CRASHED")
