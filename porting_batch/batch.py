"""The runner's public names where they used to live; the runner is ``porting_batch.runner``."""

from porting_batch.runner import (
    BatchOptions,
    GroupSummary,
    PortingApi,
    batch_id_for,
    failed_intake_result,
    file_issue,
    finish_run,
    frozen_heap,
    issue_from_dict,
    issue_to_dict,
    order_result,
    result_from_ledger,
    run_batch,
    validation_result,
)

__all__ = [
    "BatchOptions",
    "GroupSummary",
    "PortingApi",
    "batch_id_for",
    "failed_intake_result",
    "file_issue",
    "finish_run",
    "frozen_heap",
    "issue_from_dict",
    "issue_to_dict",
    "order_result",
    "result_from_ledger",
    "run_batch",
    "validation_result",
]
