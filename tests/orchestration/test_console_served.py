"""The served forms as the UI reads them, and confirm-batch end to end, on `porting-batch serve`
against a real Prefect server (issue 19: the form, the names and tags, review then confirm)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from prefect.client.orchestration import get_client

from flows.naming import PROJECT_TAG

from .test_serve import SAMPLE, _trigger, _wait_for_end, run, served  # noqa: F401

pytestmark = pytest.mark.slow


def _deployment(name: str) -> Any:
    async def read() -> Any:
        async with get_client() as client:
            return await client.read_deployment_by_name(name)

    return run(read())


def _model(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return schema["definitions"][name]


def test_the_port_in_form_shows_defaults_as_values_and_one_mode(served):  # noqa: F811
    """No field is 'or null'; the defaults show as values; draft, confirm and dry run are one
    choice with draft first."""
    schema = _deployment("port-in-batch/manual").parameter_openapi_schema
    assert "anyOf" not in str(schema)
    fields = _model(schema, "PortInRequest")["properties"]
    assert "confirm" not in fields and "dry_run" not in fields
    assert (fields["mode"]["enum"], fields["mode"]["default"]) == (
        ["draft", "confirm", "dry-run"],
        "draft",
    )
    defaults = {k: fields[k]["default"] for k in ("requests_per_second", "max_in_flight")}
    assert defaults == {"requests_per_second": 20, "max_in_flight": 8}
    assert fields["out_dir"]["default"] == "reports"
    assert schema["properties"]["overrides"]["default"] == {}


def test_a_pace_of_zero_is_refused_with_a_plain_message(served):  # noqa: F811
    """The UI's own validation of the form says the pace is below its minimum, not that it
    is 'not valid under any of the given schemas'; the server creates no run."""
    schema = _deployment("port-in-batch/manual").parameter_openapi_schema
    values = {"request": {"spreadsheet": str(SAMPLE), "requests_per_second": 0}}
    answer = httpx.post(
        f"{served.api_url}/ui/schemas/validate",
        json={"schema": schema, "values": values},
        timeout=30,
    ).json()
    assert not answer["valid"]
    text = str(answer["errors"])
    assert "minimum of 0" in text and "any of the given schemas" not in text


def test_a_draft_run_then_confirm_batch_confirms_its_drafts(served):  # noqa: F811
    """A draft run through the form is named for its file and tagged; afterwards the
    confirm-batch form offers its batch, and a confirm run submits its drafts."""
    before = _deployment("confirm-batch/confirm").parameter_openapi_schema
    assert "sample-batch" not in str(before)
    request = {"request": {"spreadsheet": str(SAMPLE), "batch_name": "confirm-me"}}
    drafted = _wait_for_end(run(_trigger("port-in-batch/manual", request)))
    assert drafted.state is not None and drafted.state.is_completed(), drafted.state
    assert drafted.name == "port-in · sample-batch.xlsx" and PROJECT_TAG in drafted.tags
    batch = _model(_deployment("confirm-batch/confirm").parameter_openapi_schema, "ConfirmRequest")
    assert "confirm-me" in batch["properties"]["batch"]["enum"]

    confirmed = _wait_for_end(
        run(_trigger("confirm-batch/confirm", {"request": {"batch": "confirm-me"}}))
    )
    assert confirmed.state is not None and confirmed.state.is_completed(), confirmed.state
    assert confirmed.name == "confirm · confirm-me" and PROJECT_TAG in confirmed.tags
    assert "Confirmed confirm-me" in (confirmed.state.message or "")
    after = _model(_deployment("confirm-batch/confirm").parameter_openapi_schema, "ConfirmRequest")
    assert "confirm-me" not in after["properties"]["batch"].get("enum", [])
