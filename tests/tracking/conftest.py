"""Fixtures for the tracking tests: a ledger on SQLite or PostgreSQL, asyncio."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from porting_batch.ledger import Ledger
from tests.ledger import conftest as ledger_fixtures

# The ledger tests' backends (SQLite, and PostgreSQL on a database made for the session).
pg_database = ledger_fixtures.pg_database
new_pg_url = ledger_fixtures.new_pg_url
new_sqlite_url = ledger_fixtures.new_sqlite_url
new_ledger_url = ledger_fixtures.new_ledger_url


@pytest.fixture
def ledger(new_ledger_url) -> Iterator[Ledger]:
    """An open ledger, on each backend in turn."""
    with Ledger(new_ledger_url()) as opened:
        yield opened


@pytest.fixture
def sqlite_ledger(new_sqlite_url) -> Iterator[Ledger]:
    """An open SQLite ledger (for tests about the API side only)."""
    with Ledger(new_sqlite_url()) as opened:
        yield opened
