"""Fixtures for the several-machines tests: the ledger back ends of ``tests/ledger`` and a
Prefect server on PostgreSQL (``pg_prefect``, slow tests only: the root conftest enforces it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ledger import conftest as ledger_fixtures
from tests.multi.pg_prefect import PrefectOnPostgres, prefect_on_postgres

pg_database = ledger_fixtures.pg_database
new_pg_url = ledger_fixtures.new_pg_url
new_sqlite_url = ledger_fixtures.new_sqlite_url
new_ledger_url = ledger_fixtures.new_ledger_url


@pytest.fixture(scope="session")
def pg_prefect(tmp_path_factory) -> Iterator[PrefectOnPostgres]:
    """A Prefect server on a fresh PostgreSQL database, for this session."""
    yield from prefect_on_postgres(tmp_path_factory.mktemp("pg-prefect"))
