"""A Prefect test harness (a temporary local server) shared by the flow tests.

Prefect is imported inside the fixture: the fast lane (`make test-fast`) never loads it.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for the whole session (it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=600):
        yield


@pytest.fixture
def porting_env(tmp_path, monkeypatch, prefect_server):
    """PORTING_* settings pointing the flow's state and reports into a temporary folder."""
    monkeypatch.setenv("PORTING_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("PORTING_OUT_DIR", str(tmp_path / "reports"))
    monkeypatch.delenv("PORTING_API", raising=False)
    return tmp_path
