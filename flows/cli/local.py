"""Commands that need no ledger, API or Prefect: ``validate``, ``template`` and ``simulator``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from flows.cli.common import settings_for
from flows.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from porting_batch.errors import ConfigError, IntakeError

#: Issues listed on the console; the issues report has all of them.
SHOWN_ISSUES = 20


def cmd_validate(args: argparse.Namespace) -> int:
    """Read and validate a spreadsheet only, and write the issues report."""
    from porting_batch.intake import read_batch
    from porting_batch.reports import report_folder, write_reports
    from porting_batch.runner import failed_intake_result, validation_result

    settings = settings_for(args)
    try:
        intake = read_batch(Path(args.path), settings)
    except IntakeError as exc:
        result = failed_intake_result(settings, Path(args.path), exc)
        files = write_reports(
            result, report_folder(settings.out_dir, result.name, result.started_at)
        )
        print(f"error: {exc}", file=sys.stderr)
        print(f"Issues report: {files.folder}")
        return EXIT_BAD_INPUT
    errors = [i for i in intake.issues if i.is_error]
    for issue in intake.issues[:SHOWN_ISSUES]:
        print(f"{issue.severity.value:<7} {issue.describe()}")
    if len(intake.issues) > SHOWN_ISSUES:
        print(f"... and {len(intake.issues) - SHOWN_ISSUES} more")
    result = validation_result(settings, intake)
    files = write_reports(result, report_folder(settings.out_dir, result.name, result.started_at))
    warnings = len(intake.issues) - len(errors)
    print(f"{len(intake.rows)} row(s), {len(errors)} error(s), {warnings} warning(s)")
    print(f"Issues report: {files.folder}")
    return EXIT_BAD_INPUT if errors else EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    """Write a fresh template (XLSX or CSV by the file's extension); never over a file unless
    ``--force``."""
    from porting_batch.template import write_template

    target = write_template(Path(args.path), overwrite=args.force)
    print(f"Template written: {target}")
    return EXIT_OK


def cmd_simulator(args: argparse.Namespace, rest: list[str]) -> int:
    """Serve the built-in simulator (options are the simulator's own), or with ``advance``
    move the clock of the one the commands use."""
    if rest[:1] == ["advance"]:
        return cmd_simulator_advance(_advance_parser().parse_args(rest[1:]))
    from porting_batch.simulator.server import main as simulator_main

    return simulator_main(rest)


def _advance_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="porting-batch simulator advance",
        description="Move the built-in simulator's clock forward, as if that much time had "
        "passed: carriers answer, FOCs are confirmed, numbers port. For rehearsals; the real "
        "API is not touched.",
    )
    parser.add_argument("duration", help="how far: 2d, 6h, 90m or 1d12h (at most 90 days)")
    parser.add_argument("--state", help="state folder (default: ./state)")
    return parser


def cmd_simulator_advance(args: argparse.Namespace) -> int:
    """Move the state folder's simulator clock and say which orders moved."""
    from flows.runtime import embedded_simulator_config
    from porting_batch.simulator.fast_forward import fast_forward, parse_duration

    try:
        seconds = parse_duration(args.duration)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        settings = settings_for(args)
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    state_file = settings.simulator_state_file
    if not state_file.is_file():
        print(
            f"error: {state_file}: no built-in simulator here yet; run a batch first, or give "
            "the --state folder its runs used",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    done = fast_forward(embedded_simulator_config(settings), seconds)
    print(f"Simulator clock: {_minute(done.before)} -> {_minute(done.after)}")
    counts = ", ".join(f"{n} {status}" for status, n in sorted(done.counts().items()))
    print(f"{len(done.moved)} order(s) moved{': ' + counts if counts else ''}")
    if done.moved:
        print("Run `porting-batch track` to read them into the ledger and the reports.")
    return EXIT_OK


def _minute(moment: Any) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"
