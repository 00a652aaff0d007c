"""The Prefect UI (3.9) as an operator's console, in Chromium: the typed form of
port-in-batch/manual runs the sample to Completed, a missing file ends Failed with its reason on
the run's page, and the finished run's Artifacts tab leads to the outcome table and the absolute
report folder.

Every locator here was read off the running UI (its accessibility tree and HTML), not guessed:
the tabs of a run's page are list items, the form's labels point at no input (so a field is
found from its title), and the "View run" toast lives five seconds in two stacked copies (so the
run is found through the API instead, by the spreadsheet it was given).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from flows.port_in import artifact_key

from .conftest import HANG_S, SAMPLE_DIR, Console, screenshot, wait_until

#: How long the UI may take to show what the API already says (a loaded machine is slow).
UI_MS = 120_000
FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


@dataclass
class FormRun:
    """A run started from the form: its id, the path given, its final state and message."""

    id: str
    spreadsheet: Path
    state: str
    message: str


def _property(page: Any, title: str) -> Any:
    """A form property by its title: the UI's labels name no input (their ``for`` matches no
    id), so the nearest property block around the title is the field's home."""
    return page.get_by_text(title, exact=True).locator(
        "xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '),"
        " ' schema-form-property ')][1]"
    )


def _open_custom_run(page: Any, console: Console) -> None:
    """Deployments, then manual (port-in-batch), then Run, then Custom run."""
    page.goto(f"{console.ui_url}/deployments")
    row = page.get_by_role("row", name="manual port-in-batch")
    row.get_by_role("link", name="manual", exact=True).click()
    page.get_by_role("banner").get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("link", name="Custom run").click()
    expect(page.get_by_role("heading", name="Parameters")).to_be_visible(timeout=UI_MS)
    page.wait_for_load_state("networkidle")


def _runs_given(api_url: str, spreadsheet: Path) -> list[dict[str, Any]]:
    answer = httpx.post(f"{api_url}/flow_runs/filter", json={"limit": 200}, timeout=10)
    return [
        r
        for r in answer.json()
        if (r.get("parameters") or {}).get("request", {}).get("spreadsheet") == str(spreadsheet)
    ]


def _submit_form(page: Any, console: Console, spreadsheet: Path, shot: str | None) -> FormRun:
    """Fill the Spreadsheet field, submit, and wait (API, with a deadline) until its run ends."""
    _open_custom_run(page, console)
    field = _property(page, "Spreadsheet").get_by_role("textbox")
    field.fill(str(spreadsheet))
    expect(field).to_have_value(str(spreadsheet))
    # The run mode is left at its default, shown as a value: draft orders, nothing submitted.
    mode = _property(page, "Run mode (Optional)")
    expect(mode.get_by_role("button", name="draft", exact=True)).to_be_visible()
    if shot:
        assert screenshot(page, shot, spreadsheet.parent).stat().st_size > 0
    page.get_by_role("button", name="Submit").click()
    # Submitted: the UI goes back to the deployment's runs.
    expect(page).to_have_url(re.compile(r"/deployments/deployment/[^/]+\?tab=Runs$"), timeout=UI_MS)
    wait_until(lambda: bool(_runs_given(console.api_url, spreadsheet)), "the form's run")
    [created] = _runs_given(console.api_url, spreadsheet)
    latest: list[dict[str, Any]] = [created]

    def ended() -> bool:
        latest[0] = httpx.get(f"{console.api_url}/flow_runs/{created['id']}", timeout=10).json()
        return latest[0]["state_type"] in FINAL

    wait_until(ended, f"the run of {spreadsheet.name}", HANG_S)
    state = latest[0]["state"]
    return FormRun(created["id"], spreadsheet, state["type"], state.get("message") or "")


@pytest.fixture(scope="module")
def sample_run(console, browser, tmp_path_factory) -> Iterator[FormRun]:
    """The sample (its PDFs beside it, in a folder of its own) run from the form, finished."""
    folder = tmp_path_factory.mktemp("form-sample")
    shutil.copytree(SAMPLE_DIR, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("*.py"))
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(UI_MS)
    try:
        yield _submit_form(page, console, folder / "sample-batch.xlsx", "prefect-form")
    finally:
        context.close()


def test_the_form_runs_the_sample_to_completed(console, sample_run, page):
    """The sample, given by path in the form's Spreadsheet field, ends Completed, and its run
    page says Completed under the run's own name."""
    assert sample_run.state == "COMPLETED", sample_run.message
    page.goto(f"{console.ui_url}/runs/flow-run/{sample_run.id}")
    banner = page.get_by_role("banner")
    expect(banner.get_by_text("Completed", exact=True)).to_be_visible(timeout=UI_MS)
    expect(banner).to_contain_text("port-in · sample-batch.xlsx", timeout=UI_MS)


def test_a_missing_file_ends_failed_with_its_reason(console, page, tmp_path):
    """A path that does not exist, given in the form, ends Failed; the run page says Failed
    and its logs name the path and that there is no such file."""
    missing = tmp_path / "nowhere" / "missing.xlsx"
    run = _submit_form(page, console, missing, None)
    assert run.state == "FAILED", run.message
    reason = f"{missing}: no such file"
    assert reason in run.message
    page.goto(f"{console.ui_url}/runs/flow-run/{run.id}")
    expect(page.get_by_role("banner").get_by_text("Failed", exact=True)).to_be_visible(
        timeout=UI_MS
    )
    logs = page.get_by_role("tabpanel", name="Logs")
    expect(logs).to_contain_text(reason, timeout=UI_MS)
    expect(logs).to_contain_text("Finished in state Failed", timeout=UI_MS)


def test_the_artifacts_tab_shows_the_outcome_table_and_report_folder(
    console, sample_run, page, tmp_path
):
    """From the finished run's Artifacts tab, the summary shows each outcome's count (as the
    report's summary.json counts them) and the absolute report folder."""
    found = re.search(r"report folder (/\S+)$", sample_run.message)
    assert found, sample_run.message
    folder = Path(found.group(1))
    assert folder.is_absolute() and folder.parent == console.reports
    outcomes = json.loads((folder / "summary.json").read_text(encoding="utf-8"))["outcomes"]
    counted = {outcome: n for outcome, n in outcomes.items() if n}
    assert counted

    page.goto(f"{console.ui_url}/runs/flow-run/{sample_run.id}")
    page.get_by_role("tablist", name="Tab").get_by_role("listitem").filter(
        has_text="Artifacts"
    ).click()
    tab = page.get_by_role("tabpanel", name="Artifacts")
    key = artifact_key("sample-batch", "summary")
    tab.get_by_text(key, exact=True).click()
    expect(page).to_have_url(re.compile(r"/artifacts/artifact/"), timeout=UI_MS)
    expect(page.get_by_role("heading", name="Numbers by outcome")).to_be_visible(timeout=UI_MS)
    expect(page.get_by_text(str(folder), exact=True)).to_be_visible()
    table = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Outcome"))
    for outcome, n in counted.items():
        row = table.get_by_role("row", name=re.compile(rf"^{re.escape(outcome)} {n} "))
        expect(row).to_be_visible()
    assert screenshot(page, "run-artifacts", tmp_path).stat().st_size > 0
