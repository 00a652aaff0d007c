"""Filing a claim: ``done/`` or ``failed/`` with ``result.json`` and a note an operator reads,
and finding the earlier result of content dropped again."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from porting_batch.files import write_text_atomic
from porting_batch.inbox.claims import (
    RESULT_FILE,
    TIME_FORMAT,
    Claim,
    claim,
    logger,
    unique,
    unlock,
)
from porting_batch.inbox.entries import FORCE_MARK, InboxPaths

Status = Literal["done", "failed", "duplicate"]


def earlier_result(paths: InboxPaths, sha256: str) -> Path | None:
    """The newest folder in ``done/`` that ran the same content, if any."""
    best: tuple[str, Path] | None = None
    for folder in paths.done.iterdir() if paths.done.exists() else []:
        record = folder / RESULT_FILE
        if not record.is_file():
            continue
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("sha256") == sha256 and data.get("status") == "done":
            key = str(data.get("finished_at", ""))
            if best is None or key > best[0]:
                best = (key, folder)
    return best[1] if best else None


def finish(
    paths: InboxPaths,
    found: Claim,
    status: Status,
    *,
    summaries: Iterable[Mapping[str, Any]] = (),
    error: str = "",
    earlier: Path | None = None,
    now: datetime | None = None,
) -> Path:
    """File a claim in ``done/`` or ``failed/`` with ``result.json`` and a readable note.

    ``done`` and ``duplicate`` go to ``done/``, ``failed`` to ``failed/`` with ``error.md``.
    The claim folder moves as a whole (one rename), so its reports move with it.
    """
    when = now or datetime.now(UTC)
    summaries = list(summaries)
    target_root = paths.failed if status == "failed" else paths.done
    target = unique(target_root / f"{found.original_name}-{when.strftime(TIME_FORMAT)}")
    reports = [_relative_report(found.folder, s.get("report_folder", "")) for s in summaries]
    result = {
        "status": status,
        "name": found.original_name,
        "ran_as": found.item.name,
        "sha256": found.sha256,
        "forced": found.forced,
        "claimed_at": found.claimed_at,
        "finished_at": when.isoformat(),
        "runs": found.runs,
        "reports": reports,
        "batches": [_short(s) for s in summaries],
        "error": error,
        "earlier_result": str(earlier) if earlier else "",
    }
    write_text_atomic(found.folder / RESULT_FILE, json.dumps(result, indent=2, default=str))
    note = _note(status, found, reports, error, earlier, target)
    write_text_atomic(found.folder / ("error.md" if status == "failed" else "result.md"), note)
    unlock(found.lock, found.folder)
    found.lock = None
    os.rename(found.folder, target)
    logger.info("%s: %s, filed in %s", found.original_name, status, target)
    return target


def _short(summary: Mapping[str, Any]) -> dict[str, Any]:
    keys = ("batch_id", "complete", "failure", "outcomes", "orders_by_status", "orders")
    return {k: summary.get(k) for k in keys if k in summary}


def _relative_report(folder: Path, report: str) -> str:
    if not report:
        return ""
    path = Path(report)
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return str(path)


def _note(
    status: Status,
    found: Claim,
    reports: list[str],
    error: str,
    earlier: Path | None,
    target: Path,
) -> str:
    lines = [f"# {found.original_name}: {status}", ""]
    if status == "duplicate":
        lines += [
            f"The same content (SHA-256 {found.sha256[:12]}...) already ran: see {earlier}.",
            "It was not run again. To run it again anyway, drop it renamed with "
            f"'{FORCE_MARK}' before the extension, e.g. "
            f"{_forced_example(found.original_name)}.",
        ]
    elif status == "failed":
        lines += ["The batch did not finish:", "", f"    {error}" if error else "    (no detail)"]
        lines += ["", "Fix the cause and drop the file into inbox/ again; the ledger resumes it."]
    else:
        lines.append("The batch finished.")
    if reports:
        lines += ["", "Reports:"] + [f"- {target / r}" for r in reports if r]
    return "\n".join(lines) + "\n"


def _forced_example(name: str) -> str:
    path = Path(name)
    return f"{path.stem}{FORCE_MARK}{path.suffix}" if path.suffix else f"{name}{FORCE_MARK}"


def move_aside(paths: InboxPaths, name: str, reason: str, *, now: datetime | None = None) -> Path:
    """File an inbox entry that cannot run (not a spreadsheet) in ``failed/`` with why."""
    found = claim(paths, name, now=now)
    if found is None:
        return paths.inbox / name
    return finish(paths, found, "failed", error=reason, now=now)
