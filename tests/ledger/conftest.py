"""Fixtures for the ledger tests: a ledger URL on SQLite and on PostgreSQL.

PostgreSQL tests get a fresh schema each, in the database ``PORTING_TEST_POSTGRES_URL`` names
(``.ci/run`` creates one for the run and drops it after) or, when it is unset, in a database made
for this test session on ``PORTING_TEST_PG_SERVER`` (dropped at its end). When PostgreSQL cannot
be reached they fail rather than skip: every machine this is built on has it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

from porting_batch.ledger import Ledger

#: The server the PostgreSQL tests use (trust auth); PORTING_TEST_PG_SERVER overrides it.
PG_SERVER = os.environ.get("PORTING_TEST_PG_SERVER", "postgresql+psycopg://postgres@127.0.0.1:5432")
#: A database made for this test run by its caller (``.ci/run``); the tests only add schemas.
PG_URL = os.environ.get("PORTING_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """The URL of the run's PostgreSQL database, or of one made for this session and dropped
    after it."""
    if PG_URL:
        yield PG_URL
        return
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
def new_pg_url(pg_database: str) -> Iterator[Callable[[], str]]:
    """Makes ledger URLs, each on a new empty schema of the session's PostgreSQL database."""
    engine = sa.create_engine(pg_database, isolation_level="AUTOCOMMIT")
    schemas: list[str] = []

    def make() -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        schemas.append(schema)
        return f"{pg_database}?options=-csearch_path%3D{schema}"

    try:
        yield make
    finally:
        with engine.connect() as conn:
            for schema in schemas:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


@pytest.fixture
def new_sqlite_url(tmp_path) -> Callable[[], str]:
    """Makes ledger URLs, each on a new SQLite file in a temporary state folder."""
    count = iter(range(1_000_000))
    return lambda: f"sqlite:///{tmp_path / 'state' / f'ledger{next(count)}.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def new_ledger_url(request: pytest.FixtureRequest) -> Callable[[], str]:
    """Makes new, empty ledger URLs, on each backend in turn."""
    name = "new_sqlite_url" if request.param == "sqlite" else "new_pg_url"
    make: Callable[[], str] = request.getfixturevalue(name)
    return make


@pytest.fixture
def ledger_url(new_ledger_url: Callable[[], str]) -> str:
    """A new, empty ledger URL, on each backend in turn."""
    return new_ledger_url()


@pytest.fixture
def ledger(ledger_url: str) -> Iterator[Ledger]:
    """An open ledger on each backend in turn."""
    with Ledger(ledger_url) as opened:
        yield opened
