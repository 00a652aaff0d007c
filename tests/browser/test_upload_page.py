"""The upload page in Chromium: a sheet's issues at once, then a draft run and its link."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from .conftest import SAMPLE_DIR, screenshot, wait_until

SAMPLE = SAMPLE_DIR / "sample-batch.xlsx"


def _run_state(api_url: str, run_id: str) -> str:
    answer = httpx.get(f"{api_url}/flow_runs/{run_id}", timeout=10).json()
    return str((answer.get("state") or {}).get("type", ""))


def test_upload_page_shows_a_sheets_issues_then_starts_a_draft_run(console, page, tmp_path):
    """The sheet alone shows its missing documents as errors; with its PDFs it checks clean,
    Start draft run links to a Prefect run, and that run completes."""
    page.goto(console.upload_url)
    files = page.get_by_label("Spreadsheet and PDFs")
    files.set_input_files([str(SAMPLE)])
    expect(page.get_by_role("status")).to_contain_text(re.compile(r"[1-9]\d* error"))
    expect(page.locator("#issues tr.error").first).to_be_visible()

    files.set_input_files([str(SAMPLE), *map(str, sorted(SAMPLE_DIR.glob("*.pdf")))])
    expect(page.get_by_role("status")).to_contain_text(" 0 error(s)")
    assert screenshot(page, "upload-page", tmp_path).stat().st_size > 0
    page.get_by_role("button", name="Start draft run").click()
    link = page.get_by_role("link", name="Follow the run in Prefect")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    assert href.startswith(f"{console.ui_url}/runs/flow-run/"), href
    run_id = href.rsplit("/", 1)[1]
    wait_until(
        lambda: _run_state(console.api_url, run_id) in {"COMPLETED", "FAILED", "CRASHED"},
        "the uploaded sheet's run",
    )
    assert _run_state(console.api_url, run_id) == "COMPLETED"
    page.goto(href)
    expect(page.get_by_text("Completed").first).to_be_visible()
