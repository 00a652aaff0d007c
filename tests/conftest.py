"""Suite-wide rules.

The fast lane (`make test-fast`, `pytest -m "not slow"`) must never start a Prefect server: a
test that uses a fixture starting one (`SERVER_FIXTURES`) fails before that fixture runs unless
it is marked slow, and Prefect's temporary ("ephemeral") server is switched off for the whole
session, so a flow called without a server fails at once instead of starting one silently.
"""

from __future__ import annotations

import os

import pytest

os.environ["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
# Reading CSRs (issue 17) polls the simulator's 120-second CSRs; the suite's other tests are
# about other steps and run without it (settings given explicitly still win). tests/csr turns
# it on where it is the subject.
os.environ.setdefault("PORTING_CSR_POLICY", "off")


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (one definition for the whole suite)."""
    return "asyncio"


#: Fixtures that start a Prefect server (the harness or `prefect server start`).
SERVER_FIXTURES = frozenset({"prefect_server", "served", "pg_prefect", "cluster"})


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Fail a test that would start a Prefect server without the slow mark, before it does."""
    starts = SERVER_FIXTURES & set(getattr(item, "fixturenames", ()))
    if starts and item.get_closest_marker("slow") is None:
        pytest.fail(
            f"{item.nodeid} starts a Prefect server ({', '.join(sorted(starts))}) but is not "
            "marked @pytest.mark.slow; the fast lane must not start servers",
            pytrace=False,
        )
