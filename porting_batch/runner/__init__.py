"""Running one spreadsheet: intake, portability checks, plan, orders, and the result.

The steps are plain functions over a run's plain state (``state``, ``steps``, ``orders``,
``complete``, ``documents``); ``sequence.run_sequence`` runs them in order, executed in this
process (``run_batch``) or as the Prefect flow's tasks; ``result`` builds the report's input
without writing anything, and ``rebuild`` reads it back from the ledger.
"""

from porting_batch.runner.api import PortingApi
from porting_batch.runner.context import Run, start_run
from porting_batch.runner.groups import GroupRunner, group_concurrency, group_runner
from porting_batch.runner.rebuild import issue_from_dict, issue_to_dict, result_from_ledger
from porting_batch.runner.result import (
    build_result,
    failed_intake_result,
    file_issue,
    order_result,
    validation_result,
)
from porting_batch.runner.sequence import (
    Execution,
    InProcess,
    conclude,
    finish_run,
    frozen_heap,
    run_batch,
    run_sequence,
)
from porting_batch.runner.state import BatchOptions, GroupSummary, RunState, batch_id_for

__all__ = [
    "BatchOptions",
    "Execution",
    "GroupRunner",
    "GroupSummary",
    "InProcess",
    "PortingApi",
    "Run",
    "RunState",
    "batch_id_for",
    "build_result",
    "conclude",
    "failed_intake_result",
    "file_issue",
    "finish_run",
    "frozen_heap",
    "group_concurrency",
    "group_runner",
    "issue_from_dict",
    "issue_to_dict",
    "order_result",
    "result_from_ledger",
    "run_batch",
    "run_sequence",
    "start_run",
    "validation_result",
]
