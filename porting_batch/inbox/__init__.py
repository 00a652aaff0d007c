"""The inbox: spreadsheets dropped into a folder become batches, each claimed exactly once.

Under one root::

    inbox/        operators drop a spreadsheet (or a folder: a spreadsheet with its PDFs) here
    processing/   <name>-<time>/ : claimed, running (a crash leaves it here; the next scan resumes)
    done/         <name>-<time>/ : the file, its reports and result.md
    failed/       <name>-<time>/ : the file, whatever reports were written and error.md (why)

A dropped entry is claimed only once it is complete: its size and modification time did not
change between two looks. Office lock files (``~$*``), hidden files and temporary download names
are never touched. The claim is one ``os.rename`` from ``inbox/`` into the claim folder, atomic on
one file system, so two scanners (a watcher and the scheduled scan) can never both take a file.

The same content dropped again (same SHA-256 as an entry in ``done/``) is not run again: it is
filed in ``done/`` with a pointer to the earlier result. Writing :data:`FORCE_MARK` before the
extension (``sheet.rerun.xlsx``) forces a new run; the mark is dropped from the name the batch
runs under, so the ledger still sees the same batch and creates no duplicate order.

Plain functions, no Prefect. :func:`scan_inbox` is the whole scan; what runs a claim is passed
in: the ``inbox-scan`` flow (``flows/inbox.py``) runs each as a ``port-in-batch`` subflow, and
``porting-batch inbox`` without a Prefect server runs each through the library's steps, the same
as ``porting-batch run``. Both file their claims with the same functions here.

The package: ``entries`` (what is in the inbox and when it is complete), ``claims`` (the atomic
claim, its lock and record), ``filing`` (done/ or failed/ and the notes), ``scan`` (one scan).
"""

from __future__ import annotations

from porting_batch.inbox.claims import (
    CLAIM_FILE,
    RESULT_FILE,
    Claim,
    claim,
    load_claim,
    pending_claims,
    record_attempt,
    release,
    report_folder_for,
)
from porting_batch.inbox.entries import (
    FORCE_MARK,
    SPREADSHEET_SUFFIXES,
    InboxPaths,
    Look,
    content_hash,
    entry_problem,
    is_ignored,
    look,
    ready,
    run_name,
    spreadsheets_of,
    take_looks,
)
from porting_batch.inbox.filing import Status, earlier_result, finish, move_aside
from porting_batch.inbox.scan import (
    ClaimRunner,
    claim_settled,
    file_run,
    file_without_run,
    run_claims,
    scan_inbox,
)

__all__ = [
    "CLAIM_FILE",
    "FORCE_MARK",
    "RESULT_FILE",
    "SPREADSHEET_SUFFIXES",
    "Claim",
    "ClaimRunner",
    "InboxPaths",
    "Look",
    "Status",
    "claim",
    "claim_settled",
    "content_hash",
    "earlier_result",
    "entry_problem",
    "file_run",
    "file_without_run",
    "finish",
    "is_ignored",
    "load_claim",
    "look",
    "move_aside",
    "pending_claims",
    "ready",
    "record_attempt",
    "release",
    "report_folder_for",
    "run_claims",
    "run_name",
    "scan_inbox",
    "spreadsheets_of",
    "take_looks",
]
