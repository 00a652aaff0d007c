"""How the project's runs show in the Prefect UI: named for what they run, and tagged.

A run is named for its spreadsheet (``port-in · march.xlsx``, ``inbox · march.xlsx``) or its
batch (``confirm · march``), not Prefect's random words. Every run carries :data:`PROJECT_TAG`,
so one filter shows them all: deployment runs take it from their deployment, subflows from the
``tags`` context their parent opens, and a run started any other way (the command line) adds it
to itself when it starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: The tag every run of the project carries.
PROJECT_TAG = "porting-batch"
#: The flow and deployment that confirm a reviewed batch's drafts (``flows.confirm``).
CONFIRM_FLOW = "confirm-batch"
CONFIRM = "confirm"
CONFIRM_DEPLOYMENT = f"{CONFIRM_FLOW}/{CONFIRM}"
#: Between the kind of run and what it runs, as the issue's examples spell it.
SEP = " · "


def run_name(kind: str, what: str) -> str:
    """``kind · what``, e.g. ``port-in · march.xlsx``."""
    return f"{kind}{SEP}{what or '?'}"


def current_parameters() -> dict[str, Any]:
    """The parameters of the flow run being named (empty outside one)."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return dict(context.parameters or {}) if context is not None else {}


def field_of(value: Any, name: str) -> Any:
    """A field of a parameter, whether it arrived as its model or as plain data."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def port_in_run_name() -> str:
    """``port-in · <spreadsheet's name>``, for port-in-batch's runs."""
    spreadsheet = field_of(current_parameters().get("request"), "spreadsheet") or ""
    return run_name("port-in", Path(str(spreadsheet)).name)


async def tag_this_run() -> None:
    """Add :data:`PROJECT_TAG` to the current flow run when nothing gave it one."""
    from prefect.client.orchestration import get_client
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    flow_run = context.flow_run if context is not None else None
    if flow_run is None or PROJECT_TAG in flow_run.tags:
        return
    tags = [*flow_run.tags, PROJECT_TAG]
    async with get_client() as client:
        await client.update_flow_run(flow_run.id, tags=tags)
    flow_run.tags = tags
