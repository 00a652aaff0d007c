"""The ``porting-batch`` command line.

Operators see messages, never tracebacks: every error porting-batch raises on purpose is printed
as one line with its fix, unexpected ones as one line pointing at the log file (which has the
traceback), and the exit code says what happened (``EXIT_*`` below, table in the README).

``run`` without ``PREFECT_API_URL`` runs the library's steps (``porting_batch.runner.run_batch``)
in this process and imports no Prefect at all: Prefect's temporary server cost 19-60 s before
any work, and a killed run left it running and its concurrency leases held (docs/operating.md).
With ``PREFECT_API_URL`` set, ``run`` runs the ``port-in-batch`` flow against that server.
``inbox`` (one scan) does the same with the inbox; ``serve`` and ``inbox --watch`` need a
server by nature and refuse to start without one rather than let Prefect start a temporary one.

One module per group of commands: ``run`` (``flows.cli.run``), ``serve`` and ``inbox``
(``flows.cli.serving``), ``report``, ``track`` and ``clean`` (``flows.cli.batches``),
``validate``, ``template`` and ``simulator`` (``flows.cli.local``), ``webhooks``
(``flows.cli.webhooks``); the parser in
``flows.cli.parser``, what they share in ``flows.cli.common``, and the exit codes in
``flows.exit_codes`` (the flow reads them too).
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from flows.cli.common import (
    RESUME_HINT,
    ApiFactory,
    Interrupted,
    catch_signals,
    log_to_file,
    prefect_environment,
    run_until_signal,
)
from flows.cli.local import cmd_simulator
from flows.cli.parser import build_parser
from flows.cli.run import cmd_run, print_summary
from flows.exit_codes import (
    EXIT_ATTENTION,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    exit_code_for,
)
from porting_batch.errors import ConfigError, IntakeError, PortingBatchError

__all__ = [
    "EXIT_ATTENTION",
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "Interrupted",
    "build_parser",
    "exit_code_for",
    "log_to_file",
    "main",
    "prefect_environment",
    "print_summary",
    "run_until_signal",
]


def main(argv: Sequence[str] | None = None, *, open_api: ApiFactory | None = None) -> int:
    """Entry point of the ``porting-batch`` command.

    ``open_api`` replaces the API a ``run`` talks to (tests pass a client over an in-process
    simulator); by default it is ``flows.runtime.open_client``.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] == "simulator":
        return cmd_simulator(argparse.Namespace(), arguments[1:])
    parser = build_parser()
    args = parser.parse_args(arguments)
    catch_signals()
    try:
        if args.handler is cmd_run:
            return cmd_run(args, open_api)
        result: int = args.handler(args)
        return result
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PortingBatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT if isinstance(exc, IntakeError) else EXIT_FAILED
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        name = signal.Signals(signum).name
        print(f"interrupted ({name}): {RESUME_HINT}", file=sys.stderr)
        return EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.default_int_handler if signum == 2 else signal.SIG_DFL)
