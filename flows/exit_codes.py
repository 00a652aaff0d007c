"""The command line's exit codes, and what one batch's result means for them (README, "Exit codes").

A module of its own, below the command line and the flows: the ``port-in-batch`` flow puts each
batch's exit code in its summary, and the command line (which starts that flow) reads it back,
so neither has to import the other for it.
"""

from __future__ import annotations

import signal
from collections.abc import Sequence
from typing import Any

EXIT_OK = 0
#: The run failed or is incomplete (run it again), or its batch is busy elsewhere.
EXIT_FAILED = 1
#: Bad input: unreadable file, rows with errors, bad settings or flags, unknown batch.
EXIT_BAD_INPUT = 2
#: Orders need attention: the API refused part of the data.
EXIT_ATTENTION = 3
EXIT_SIGINT = 128 + signal.SIGINT
EXIT_SIGTERM = 128 + signal.SIGTERM
#: Which code wins when several batches of one command end differently.
_SEVERITY = (EXIT_FAILED, EXIT_BAD_INPUT, EXIT_ATTENTION, EXIT_OK)


def exit_code_for(result: Any) -> int:
    """What one batch's result means for the exit code (README, "Exit codes")."""
    from porting_batch.outcomes import Outcome

    if result.file_refused:
        return EXIT_BAD_INPUT
    if not result.complete:
        return EXIT_FAILED
    outcomes = {n.outcome for n in result.numbers}
    # Errors the API gave are attention on an order, not an input error of the file.
    input_errors = any(i.is_error and i.source != "api" for i in result.issues)
    if Outcome.INVALID_INPUT in outcomes or input_errors:
        return EXIT_BAD_INPUT
    if Outcome.NEEDS_ATTENTION in outcomes or any(o.attention for o in result.orders):
        return EXIT_ATTENTION
    return EXIT_OK


def worst(codes: Sequence[int]) -> int:
    """The exit code of a command whose batches ended with ``codes``: the most severe wins."""
    return min(codes, key=_SEVERITY.index) if codes else EXIT_OK
