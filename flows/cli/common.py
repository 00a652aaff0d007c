"""What every command shares: signals, settings from flags, the log file, Prefect's environment.

Imports no Prefect: ``run`` and ``inbox`` without a server must not start one.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, TypeVar

from flows.exit_codes import EXIT_BAD_INPUT, EXIT_FAILED
from porting_batch import event_loop
from porting_batch.settings import Settings, load_settings

LOG_NAME = "porting-batch.log"
RESUME_HINT = "nothing is lost; run the same command again to resume"
T = TypeVar("T")
ApiFactory = Callable[[Settings], AbstractAsyncContextManager[Any]]

#: Settings fields a flag can set, and the flag's name (error messages name the flag).
FLAG_FIELDS = {"out": ("out_dir", "--out"), "state": ("state_dir", "--state")}

#: What ``serve`` and ``inbox --watch`` say without a Prefect server: they would otherwise make
#: Prefect start a temporary one, which outlives a killed command (docs/operating.md).
NEEDS_SERVER = (
    "porting-batch {what} needs a Prefect server: start one with `prefect server start` "
    "and set PREFECT_API_URL=http://127.0.0.1:4200/api"
)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived: the command stops cleanly and says how to resume."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def catch_signals() -> None:
    """Outside the event loop, both signals raise ``Interrupted`` wherever the code is."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_interrupted)


def run_until_signal(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` on a fresh event loop; SIGINT or SIGTERM cancels it, so every ``finally``
    and ``async with`` (the batch's hold, the client, the simulator) unwinds before the
    command ends with ``Interrupted``."""
    received: list[int] = []

    async def guarded() -> T:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def on_signal(signum: int) -> None:
            if not received:
                received.append(signum)
                task.cancel()

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal, signum)
        try:
            return await main
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)

    try:
        value = event_loop.run(guarded())
    except asyncio.CancelledError:
        if received:
            raise Interrupted(received[0]) from None
        raise
    finally:
        catch_signals()
    if received:
        raise Interrupted(received[0])
    return value


def settings_for(args: argparse.Namespace, **more: Any) -> Settings:
    """The command's settings: environment, then the flags, passed explicitly."""
    overrides: dict[str, Any] = dict(more)
    flags: dict[str, str] = {}
    for attribute, (field, flag) in FLAG_FIELDS.items():
        value = getattr(args, attribute, None)
        if value:
            overrides[field] = Path(value)
            flags[field] = flag
    return load_settings(overrides, flags=flags)


def flow_overrides(args: argparse.Namespace) -> dict[str, str]:
    """The flags that change settings, as a flow parameter (never through os.environ)."""
    found = {}
    for attribute, (field, _flag) in FLAG_FIELDS.items():
        value = getattr(args, attribute, None)
        if value:
            found[field] = str(Path(value).expanduser().absolute())
    inbox = getattr(args, "inbox", None)
    if inbox:
        found["inbox_dir"] = str(Path(inbox).expanduser().absolute())
    return found


def log_to_file(settings: Settings) -> Path:
    """Send the library's log (and any traceback) to ``state_dir/logs/porting-batch.log``; the
    console gets none of it."""
    folder = settings.state_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_NAME
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_porting_batch", False)]:
        root.removeHandler(old)
        old.close()
    handler._porting_batch = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    logging.getLogger("porting_batch").setLevel(logging.INFO)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)  # a line per request, URL and all
    return path


def unexpected(exc: BaseException, log: Path | None) -> int:
    """Log an error nobody raised on purpose (with its traceback) and say one line about it."""
    logging.getLogger("porting_batch.cli").error("unexpected error", exc_info=exc)
    where = f"; the details are in {log}" if log else ""
    print(f"error: unexpected {type(exc).__name__}: {exc}{where}", file=sys.stderr)
    return EXIT_FAILED


def spreadsheets(path: Path) -> list[Path]:
    """The spreadsheets a path names: the file itself, or those of a folder."""
    from flows.parameters import spreadsheets_in

    return spreadsheets_in(path) if path.is_dir() else [path]


def prefect_environment(settings: Settings) -> None:
    """Prefect settings for commands that use Prefect; an operator's own values win."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "porting_batch")
    home = (settings.state_dir / "prefect").resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    # The runner asks for new runs every second: with the flow module light to import, this
    # poll is a good part of the wait between Run pressed and the run started.
    os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")


def prefect_server() -> str:
    """The Prefect server the operator configured ("" when none)."""
    return os.environ.get("PREFECT_API_URL", "")


def refuse_without_server(what: str) -> int:
    """Say that ``what`` needs a Prefect server; the exit code of a bad invocation."""
    print(f"error: {NEEDS_SERVER.format(what=what)}", file=sys.stderr)
    return EXIT_BAD_INPUT
