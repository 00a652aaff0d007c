"""A real Prefect server on PostgreSQL for the several-workers tests: a fresh database on the
machine's PostgreSQL server (dropped after), ``prefect server start`` through the shared helper
``tests.prefect_servers`` (the browser and serve tests' own), on a free loopback port."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

import tests.prefect_servers as servers
from tests.ledger.conftest import PG_SERVER, PG_URL


@dataclass
class PrefectOnPostgres:
    """The running server: its API URL, its database, and the environment to reach it."""

    api_url: str
    database_url: str
    root: Path
    env: dict[str, str]


def server_url() -> str:
    """The PostgreSQL server (no database) the tests use, with the psycopg driver."""
    if PG_URL:
        return PG_URL.rsplit("/", 1)[0]
    return PG_SERVER


def prefect_on_postgres(root: Path) -> Iterator[PrefectOnPostgres]:
    """Create a database, start the server on it, yield it; stop it and drop the database."""
    name = f"prefect_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{server_url()}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    database = f"{server_url()}/{name}".replace("+psycopg", "+asyncpg")
    env = servers.prefect_env(
        root,
        PREFECT_SERVER_DATABASE_CONNECTION_URL=database,
        PREFECT_LOGGING_LEVEL="WARNING",
        PORTING_CSR_POLICY="off",
    )
    # The caller's own PORTING_* settings (its ledger, its API) must not leak into the workers.
    env = {
        k: v for k, v in env.items() if not k.startswith("PORTING_") or k == "PORTING_CSR_POLICY"
    }
    try:
        with servers.prefect_server(root, env) as server:
            yield PrefectOnPostgres(
                api_url=server.api_url, database_url=database, root=root, env=server.client_env()
            )
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
