"""docs/operating.md's automation example is one Prefect takes, matching rejections."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

OPERATING = Path(__file__).resolve().parents[2] / "docs" / "operating.md"


def _automation_yaml() -> str:
    text = OPERATING.read_text(encoding="utf-8")
    section = text.split("## Tracking:", 1)[1]
    found = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    assert found, "no yaml block in the Tracking section"
    return found[1]


def test_the_documented_automation_parses_as_prefects_model_and_matches_rejections():
    """The YAML validates as AutomationCore, triggers on porting.order.exception for any
    order, and sends a notification."""
    from prefect.events.schemas.automations import AutomationCore, EventTrigger

    automation = AutomationCore.model_validate(yaml.safe_load(_automation_yaml()))
    trigger = automation.trigger
    assert isinstance(trigger, EventTrigger)
    assert trigger.expect == {"porting.order.exception"}
    assert [action.type for action in automation.actions] == ["send-notification"]
    assert trigger.match.matches_every_resource_of_kind("porting.order")
