"""Browser tests: Playwright driving Debian's Chromium against a real Prefect server (its UI on)
and `porting-batch serve` (with its upload page), as an operator would use them.

Marked `browser` and `slow`. Without `/usr/bin/chromium` they are skipped with the reason;
`.ci/run` installs it with apt so CI always runs them. Playwright's own browser download is
never used (`executable_path`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "input_templates" / "sample"
IMAGES = ROOT / "docs" / "images"
#: Bounds a hang only; a loaded machine may need minutes, and that must not fail a test.
HANG_S = 900.0


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, deadline_s: float = HANG_S) -> None:
    """Poll ``check`` until true; an AssertionError naming ``what`` past the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _start(command: list[str], env: dict[str, str], log: Path, cwd: Path) -> Any:
    return subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def _stop(process: Any) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
    port, upload_port = _free_port(), _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(root / "prefect-home"),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{root / 'prefect.db'}",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "true",
        # The UI's scripts call the API at this address, not the default port 4200.
        "PREFECT_UI_API_URL": api_url,
    }
    env.pop("PREFECT_API_URL", None)
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    processes = [_start(command, env, root / "server.log", root)]
    try:
        wait_until(lambda: _answers(f"{api_url}/health"), "the Prefect server")
        serve_env = {
            **env,
            "PREFECT_API_URL": api_url,
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
            "PORTING_STATE_DIR": str(root / "state"),
            "PORTING_OUT_DIR": str(root / "reports"),
            "PORTING_INBOX_DIR": str(root / "inbox-root"),
            "PORTING_INBOX_SETTLE_S": "0.5",
            "PORTING_SCHEDULED_DIR": str(root / "scheduled"),
            "PORTING_UPLOAD_PORT": str(upload_port),
        }
        for name in [k for k in serve_env if k.startswith("PORTING_API")]:
            serve_env.pop(name)
        processes.append(
            _start([str(BIN / "porting-batch"), "serve"], serve_env, root / "serve.log", root)
        )
        wait_until(lambda: _deployments_served(api_url), "the served deployments")
        upload_url = f"http://127.0.0.1:{upload_port}/"
        wait_until(lambda: _answers(upload_url), "the upload page")
        yield Console(
            ui_url=f"http://127.0.0.1:{port}",
            api_url=api_url,
            upload_url=upload_url,
            root=root,
            reports=root / "reports",
        )
    finally:
        for process in reversed(processes):
            _stop(process)


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
