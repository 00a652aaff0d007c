"""A real Prefect server on PostgreSQL for the several-workers tests: a fresh database on the
machine's PostgreSQL server (dropped after), ``prefect server start`` on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

from tests.ledger.conftest import PG_SERVER, PG_URL

BIN = Path(sys.executable).parent
#: Bounds a hang only: the server starts in seconds.
HANG_S = 120.0


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


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(check: Callable[[], bool], what: str, deadline_s: float = HANG_S) -> None:
    """Poll ``check`` until it holds; fail naming ``what`` past the deadline (a hang)."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a started process as Ctrl-C would; kill it if it lingers."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(argv: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """Start a process with its output in ``log`` (SIGINT restored: a background shell's child
    inherits it ignored)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            argv, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_default_sigint
        )


def prefect_on_postgres(root: Path) -> Iterator[PrefectOnPostgres]:
    """Create a database, start the server on it, yield it; stop it and drop the database."""
    name = f"prefect_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(f"{server_url()}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    database = f"{server_url()}/{name}".replace("+psycopg", "+asyncpg")
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTING_", "PREFECT_API_URL"))}
    env.update(
        PREFECT_HOME=str(root / "prefect-home"),
        PREFECT_API_DATABASE_CONNECTION_URL=database,
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_UI_ENABLED="false",
        PREFECT_LOGGING_LEVEL="WARNING",
        PORTING_CSR_POLICY="off",
    )
    argv = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = start(argv, env, root / "server.log", root)
    try:
        wait_until(lambda: _healthy(api_url), "the Prefect server on PostgreSQL")
        reach = {**env, "PREFECT_API_URL": api_url}
        yield PrefectOnPostgres(api_url=api_url, database_url=database, root=root, env=reach)
    finally:
        stop(server)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
