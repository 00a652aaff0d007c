"""Browser tests: Playwright driving Debian's Chromium against a real Prefect server (its UI on)
and `porting-batch serve` (with its upload page), as an operator would use them.

Marked `browser` and `slow`. Without `/usr/bin/chromium` they are skipped with the reason;
`.ci/run` installs it with apt so CI always runs them. Playwright's own browser download is
never used (`executable_path`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.prefect_servers import (
    BIN,
    HANG_S,
    answers,
    free_port,
    prefect_env,
    prefect_server,
    start,
    stop,
    wait_until,
)

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "input_templates" / "sample"
IMAGES = ROOT / "docs" / "images"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Every test here is `browser` and `slow`; skipped, with why, when Chromium is missing."""
    here = Path(__file__).parent
    missing = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: `apt-get install -y chromium` (CI's .ci/run does)"
    )
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            if not CHROMIUM.exists():
                item.add_marker(missing)


@dataclass
class Console:
    """The Prefect server (UI and API), the serve process and its folders."""

    ui_url: str
    api_url: str
    upload_url: str
    root: Path
    reports: Path


def _deployments_served(api_url: str) -> bool:
    try:
        answer = httpx.post(f"{api_url}/deployments/filter", json={}, timeout=5)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and len(answer.json()) >= 3


@pytest.fixture(scope="session")
def console(tmp_path_factory) -> Iterator[Console]:
    """A Prefect server with its UI on a free loopback port, and `porting-batch serve`."""
    root = tmp_path_factory.mktemp("console")
    upload_port = free_port()
    with prefect_server(root, prefect_env(root, ui=True)) as server:
        serve_env = server.client_env(
            PREFECT_RUNNER_POLL_FREQUENCY="1",
            PORTING_STATE_DIR=str(root / "state"),
            PORTING_OUT_DIR=str(root / "reports"),
            PORTING_INBOX_DIR=str(root / "inbox-root"),
            PORTING_INBOX_SETTLE_S="0.5",
            PORTING_SCHEDULED_DIR=str(root / "scheduled"),
            PORTING_UPLOAD_PORT=str(upload_port),
        )
        for name in [k for k in serve_env if k.startswith("PORTING_API")]:
            serve_env.pop(name)
        serve = start([str(BIN / "porting-batch"), "serve"], serve_env, root / "serve.log", root)
        try:
            wait_until(lambda: _deployments_served(server.api_url), "the served deployments")
            upload_url = f"http://127.0.0.1:{upload_port}/"
            wait_until(lambda: answers(upload_url), "the upload page")
            yield Console(
                ui_url=server.ui_url,
                api_url=server.api_url,
                upload_url=upload_url,
                root=root,
                reports=root / "reports",
            )
        finally:
            stop(serve)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright (never Playwright's own download).

    Per module, not per session: Playwright's sync API runs an event loop in this thread while
    it is open, and every asyncio test after it would find that loop running."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    """A fresh page, wide enough for the Prefect UI's form and tables."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(HANG_S * 1000)
    yield page
    context.close()


def screenshot(page: Any, name: str, scratch: Path) -> Path:
    """A full-page screenshot: into docs/images/ for the README when
    PORTING_UPDATE_SCREENSHOTS=1 (a test run never rewrites tracked files otherwise), else into
    ``scratch``. Returns the file."""
    folder = IMAGES if os.environ.get("PORTING_UPDATE_SCREENSHOTS") == "1" else scratch
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
