"""Starting and stopping real servers for tests and benchmarks: a free loopback port, polling
with a deadline, a child process started and stopped as Ctrl-C would, and ``prefect server
start`` on its own database and home folder, waited for until healthy.

One module for the browser tests, the serve tests and ``benchmarks/bench_inbox.py`` (which puts
the project root on ``sys.path`` to import it). Imports nothing of Prefect: the server is a
child process, asked over HTTP.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

#: The virtual environment's scripts (``prefect``, ``porting-batch``).
BIN = Path(sys.executable).parent
#: Bounds a hang only; a loaded machine may need minutes, and that must not fail a test.
HANG_S = 900.0


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    check: Callable[[], bool], what: str, deadline_s: float = HANG_S, every_s: float = 0.2
) -> None:
    """Poll ``check`` until it holds; an AssertionError naming ``what`` past the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every_s)
    raise AssertionError(f"timed out waiting for {what}")


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def healthy(api_url: str) -> bool:
    """Whether the Prefect API at ``api_url`` answers its health check."""
    return answers(f"{api_url}/health")


def _default_sigint() -> None:
    """A child started from a background shell inherits an ignored SIGINT: undo that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(
    command: list[str], env: Mapping[str, str], log: Path, cwd: Path, *, new_session: bool = False
) -> subprocess.Popen[bytes]:
    """Start ``command`` with its output appended to ``log``, SIGINT restored; with
    ``new_session``, in a session and process group of its own (its pid is the group's id), so
    it and what it starts can be signalled together, as a machine dying would."""
    with log.open("ab") as out:
        return subprocess.Popen(
            command,
            env=dict(env),
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_default_sigint,
            start_new_session=new_session,
        )


def stop(process: subprocess.Popen[bytes], timeout_s: float = 15) -> None:
    """Stop a started process as Ctrl-C would (both Prefect and serve shut down cleanly on it);
    kill it if it lingers, and reap it."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def prefect_env(root: Path, *, ui: bool = False, **extra: str) -> dict[str, str]:
    """This environment for a Prefect server kept in ``root`` (its home and SQLite database),
    without any ``PREFECT_API_URL`` of the caller's; ``extra`` settings on top (a
    ``PREFECT_SERVER_DATABASE_CONNECTION_URL`` there names another database)."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(
        PREFECT_HOME=str(root / "prefect-home"),
        PREFECT_SERVER_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{root / 'prefect.db'}",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_UI_ENABLED="true" if ui else "false",
    )
    env.update(extra)
    return env


@dataclass
class PrefectServer:
    """A running ``prefect server start``: where its API and UI are, the environment it ran
    with, and the environment for a client of it (``PREFECT_API_URL`` set)."""

    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes]

    @property
    def ui_url(self) -> str:
        """The UI's address."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The API's address."""
        return f"{self.ui_url}/api"

    def client_env(self, **extra: str) -> dict[str, str]:
        """The server's environment with ``PREFECT_API_URL`` pointing at it, ``extra`` on top."""
        return {**self.env, "PREFECT_API_URL": self.api_url, **extra}


@contextmanager
def prefect_server(
    root: Path, env: Mapping[str, str], deadline_s: float = HANG_S
) -> Iterator[PrefectServer]:
    """``prefect server start`` on a free loopback port with ``env`` (see :func:`prefect_env`),
    its output in ``root/server.log``; yielded once healthy, stopped after."""
    port = free_port()
    full = dict(env)
    if full.get("PREFECT_UI_ENABLED") == "true":
        # The UI's scripts call the API at this address, not at the default port 4200.
        full.setdefault("PREFECT_UI_API_URL", f"http://127.0.0.1:{port}/api")
    command = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    process = start(command, full, root / "server.log", root)
    try:
        server = PrefectServer(port=port, env=full, process=process)
        wait_until(lambda: healthy(server.api_url), "the Prefect server", deadline_s)
        yield server
    finally:
        stop(process)
