"""Commands that need no ledger, API or Prefect: ``validate``, ``template`` and ``simulator``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flows.cli.common import settings_for
from flows.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from porting_batch.errors import IntakeError

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
    """Serve the built-in simulator (options are the simulator's own)."""
    from porting_batch.simulator.server import main as simulator_main

    return simulator_main(rest)
