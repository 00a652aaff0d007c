"""Fixtures for the ledger tests: a ledger URL on SQLite and on PostgreSQL.

PostgreSQL tests get a database made for this test session (dropped at its end) and a fresh
schema each. When PostgreSQL cannot be reached they fail rather than skip: CI has it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from porting_batch.ledger import Ledger

#: The server the PostgreSQL tests use (trust auth); PORTING_TEST_PG_SERVER overrides it.
PG_SERVER = os.environ.get("PORTING_TEST_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio."""
    return "asyncio"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of a PostgreSQL database made for this test session and dropped after it."""
    name = f"ledger_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.fail(f"PostgreSQL is not reachable at {PG_SERVER}: {exc}")
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def pg_url(pg_database: str) -> Iterator[str]:
    """A ledger URL on an empty schema of the session's PostgreSQL database."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(pg_database, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    try:
        yield f"{pg_database}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A ledger URL on a new SQLite file in a temporary state folder."""
    return f"sqlite:///{tmp_path / 'state' / 'ledger.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request: pytest.FixtureRequest) -> str:
    """A new, empty ledger URL, on each backend in turn."""
    return str(request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url"))


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """An open ledger on each backend in turn."""
    with Ledger(ledger_url) as opened:
        yield opened
