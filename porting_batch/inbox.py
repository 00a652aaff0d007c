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
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import json
import logging
import os
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

from porting_batch.files import file_sha256, write_text_atomic
from porting_batch.intake.source import SPREADSHEET_SUFFIXES

#: The suffix (before the extension) that asks for a new run of content already done.
FORCE_MARK = ".rerun"
#: Names being written by an editor, a browser or a copy tool: never claimed.
TEMPORARY_PREFIXES = ("~$", ".", "~")
TEMPORARY_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp")
CLAIM_FILE = "claim.json"
RESULT_FILE = "result.json"
#: Held (flock) by the process running a claim: the OS lets go when that process dies, which is
#: how a scan tells a crashed claim (resume it) from one another scan is running (leave it).
LOCK_FILE = ".running.lock"
TIME_FORMAT = "%Y%m%dT%H%M%SZ"

Status = Literal["done", "failed", "duplicate"]

logger = logging.getLogger("porting_batch.inbox")


@dataclass(frozen=True)
class InboxPaths:
    """The four folders under the inbox root."""

    root: Path

    @property
    def inbox(self) -> Path:
        """Where operators drop files."""
        return self.root / "inbox"

    @property
    def processing(self) -> Path:
        """Claimed entries while they run."""
        return self.root / "processing"

    @property
    def done(self) -> Path:
        """Finished entries with their reports."""
        return self.root / "done"

    @property
    def failed(self) -> Path:
        """Entries that failed, each with an error report."""
        return self.root / "failed"

    def ensure(self) -> InboxPaths:
        """Create the folders (all on the root's file system, so claims are atomic renames)."""
        for folder in (self.inbox, self.processing, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)
        return self


@dataclass(frozen=True)
class Look:
    """What one look at an entry saw: enough to tell whether it is still being written."""

    size: int
    mtime_ns: int
    files: int


@dataclass
class Claim:
    """A claimed entry: its folder under ``processing/`` and what it was when claimed."""

    folder: Path
    item: Path  # the spreadsheet (or the batch folder) inside ``folder``
    original_name: str
    sha256: str
    forced: bool
    claimed_at: str
    runs: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
    lock: IO[str] | None = field(default=None, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The claim as written to ``claim.json`` (paths relative to the claim folder)."""
        return {
            "folder": self.folder.name,
            "item": self.item.name,
            "original_name": self.original_name,
            "sha256": self.sha256,
            "forced": self.forced,
            "claimed_at": self.claimed_at,
            "runs": self.runs,
            "extra": dict(self.extra),
        }

    def save(self) -> None:
        """Write ``claim.json`` atomically."""
        write_text_atomic(self.folder / CLAIM_FILE, json.dumps(self.to_json(), indent=2))


#: Runs a claim: each batch's summary (``batch_id``, ``report_folder``, ``complete``,
#: ``failure``...), or one line saying why it could not run at all.
ClaimRunner = Callable[[Claim], Awaitable[list[dict[str, Any]] | str]]


def is_ignored(name: str) -> bool:
    """Whether a name in the inbox is a lock file, a hidden file or a temporary name."""
    lowered = name.lower()
    return lowered.startswith(TEMPORARY_PREFIXES) or lowered.endswith(TEMPORARY_SUFFIXES)


def run_name(name: str) -> tuple[str, bool]:
    """The name the entry runs under, and whether the operator forced a re-run.

    ``sheet.rerun.xlsx`` runs as ``sheet.xlsx`` (the same batch in the ledger), forced.
    """
    if name.lower().endswith(FORCE_MARK) and len(name) > len(FORCE_MARK):
        return name[: -len(FORCE_MARK)], True  # a folder: ``march.rerun``
    path = Path(name)
    stem, suffix = path.stem, path.suffix
    if suffix and stem.lower().endswith(FORCE_MARK) and len(stem) > len(FORCE_MARK):
        return stem[: -len(FORCE_MARK)] + suffix, True
    return name, False


def look(path: Path) -> Look | None:
    """One look at a file, or at every file under a folder; None when it has gone."""
    try:
        if path.is_dir():
            size = mtime = count = 0
            stat = path.stat()
            mtime = stat.st_mtime_ns
            for child in sorted(path.rglob("*")):
                if child.is_file():
                    child_stat = child.stat()
                    size += child_stat.st_size
                    mtime = max(mtime, child_stat.st_mtime_ns)
                    count += 1
            return Look(size, mtime, count)
        stat = path.stat()
        return Look(stat.st_size, stat.st_mtime_ns, 1)
    except FileNotFoundError:
        return None


def take_looks(inbox: Path) -> dict[str, Look]:
    """A look at every entry of the inbox folder that is not ignored."""
    looks: dict[str, Look] = {}
    for entry in sorted(inbox.iterdir()) if inbox.exists() else []:
        if is_ignored(entry.name):
            continue
        seen = look(entry)
        if seen is not None:
            looks[entry.name] = seen
    return looks


def ready(first: Mapping[str, Look], second: Mapping[str, Look]) -> list[str]:
    """The entries seen unchanged in both looks, not empty: complete, safe to claim."""
    return sorted(
        name
        for name, seen in second.items()
        if first.get(name) == seen and seen.size > 0 and seen.files > 0
    )


def content_hash(path: Path) -> str:
    """SHA-256 of a file's bytes; for a folder, of each file's relative name and bytes."""
    if path.is_file():
        return file_sha256(path)
    digest = hashlib.sha256()
    for child in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(child.relative_to(path).as_posix().encode() + b"\0")
        digest.update(file_sha256(child).encode() + b"\n")
    return digest.hexdigest()


def entry_problem(path: Path) -> str:
    """Why an inbox entry cannot run as a batch ("" when it can)."""
    if path.is_dir():
        if not spreadsheets_of(path):
            return (
                f"the folder {path.name} holds no spreadsheet (.xlsx, .xlsm or .csv); "
                "put the filled template in it next to its PDFs"
            )
        return ""
    if path.suffix.lower() not in SPREADSHEET_SUFFIXES:
        return (
            f"{path.name} is not a spreadsheet (.xlsx, .xlsm or .csv); drop the filled "
            "template, or a folder holding it and its PDFs"
        )
    return ""


def spreadsheets_of(folder: Path) -> list[Path]:
    """The spreadsheets directly inside a batch folder, lock and hidden files skipped."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES and not is_ignored(p.name)
    )


def claim(paths: InboxPaths, name: str, *, now: datetime | None = None) -> Claim | None:
    """Move ``inbox/<name>`` into a new claim folder by one atomic rename.

    Returns None when someone else claimed it first (the rename found nothing).
    """
    when = now or datetime.now(UTC)
    target_name, forced = run_name(name)
    folder = _unique(paths.processing / f"{name}-{when.strftime(TIME_FORMAT)}")
    folder.mkdir(parents=True)
    lock = _try_lock(folder)
    item = folder / target_name
    try:
        os.rename(paths.inbox / name, item)
    except FileNotFoundError:
        _unlock(lock, folder)
        folder.rmdir()
        return None
    found = Claim(
        folder=folder,
        item=item,
        original_name=name,
        sha256=content_hash(item),
        forced=forced,
        claimed_at=when.isoformat(),
        lock=lock,
    )
    found.save()
    logger.info(
        "claimed %s (SHA-256 %s...)%s", name, found.sha256[:12], " forced" if forced else ""
    )
    return found


def pending_claims(paths: InboxPaths) -> list[Claim]:
    """The claims a crash left in ``processing/``, each now held by the caller.

    A claim another process is still running (its lock is held) is left alone. A claim folder
    whose ``claim.json`` was never written (a crash right after the rename) is rebuilt from the
    entry it holds.
    """
    found: list[Claim] = []
    for folder in sorted(p for p in paths.processing.iterdir() if p.is_dir()):
        lock = _try_lock(folder)
        if lock is None:
            continue
        loaded = load_claim(folder)
        if loaded is None:
            _unlock(lock, folder)
            continue
        loaded.lock = lock
        found.append(loaded)
    return found


def release(found: Claim) -> None:
    """Let go of a claim without filing it (what a crash does); the next scan resumes it."""
    if found.lock is not None:
        found.lock.close()
        found.lock = None


def _try_lock(folder: Path) -> IO[str] | None:
    handle = (folder / LOCK_FILE).open("a", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def _unlock(lock: IO[str] | None, folder: Path) -> None:
    (folder / LOCK_FILE).unlink(missing_ok=True)
    if lock is not None:
        lock.close()


def load_claim(folder: Path) -> Claim | None:
    """The claim recorded in a claim folder, rebuilt when its record is missing."""
    record = folder / CLAIM_FILE
    if record.exists():
        data = json.loads(record.read_text(encoding="utf-8"))
        return Claim(
            folder=folder,
            item=folder / data["item"],
            original_name=data["original_name"],
            sha256=data["sha256"],
            forced=bool(data["forced"]),
            claimed_at=data["claimed_at"],
            runs=int(data.get("runs", 1)),
            extra=dict(data.get("extra", {})),
        )
    own = {"reports", CLAIM_FILE, LOCK_FILE, RESULT_FILE, "result.md", "error.md"}
    items = [p for p in folder.iterdir() if p.name not in own and not p.name.endswith(".tmp")]
    if len(items) != 1:
        return None
    item = items[0]
    original = folder.name.rsplit("-", 1)[0]
    rebuilt = Claim(
        folder=folder,
        item=item,
        original_name=original,
        sha256=content_hash(item),
        forced=run_name(original)[1],
        claimed_at=datetime.fromtimestamp(folder.stat().st_mtime, UTC).isoformat(),
    )
    rebuilt.save()
    return rebuilt


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
    target = _unique(target_root / f"{found.original_name}-{when.strftime(TIME_FORMAT)}")
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
    _unlock(found.lock, found.folder)
    found.lock = None
    os.rename(found.folder, target)
    logger.info("%s: %s, filed in %s", found.original_name, status, target)
    return target


def report_folder_for(found: Claim) -> Path:
    """Where a claim's runs write their reports: inside the claim, so they move with it."""
    return found.folder / "reports"


def record_attempt(found: Claim) -> Claim:
    """Count one more run of a claim (a resume after a crash is the second)."""
    found.runs += 1
    found.save()
    return found


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


def _unique(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate


def move_aside(paths: InboxPaths, name: str, reason: str, *, now: datetime | None = None) -> Path:
    """File an inbox entry that cannot run (not a spreadsheet) in ``failed/`` with why."""
    found = claim(paths, name, now=now)
    if found is None:
        return paths.inbox / name
    return finish(paths, found, "failed", error=reason, now=now)


# --- the scan: claim, run, file ---------------------------------------------------------------


async def claim_settled(paths: InboxPaths, settle_s: float) -> list[Claim]:
    """Two looks ``settle_s`` apart; claim every entry that did not change between them."""
    first = take_looks(paths.inbox)
    if not first:
        return []
    await asyncio.sleep(settle_s)
    second = take_looks(paths.inbox)
    claims = [c for name in ready(first, second) if (c := claim(paths, name)) is not None]
    waiting = sorted(set(second) - {c.original_name for c in claims})
    if waiting:
        logger.info("still being written, left for the next scan: %s", waiting)
    return claims


def file_without_run(paths: InboxPaths, found: Claim) -> tuple[Status, Path] | None:
    """File a claim that must not run: content already done (unless forced), or not a
    spreadsheet. None when it should run."""
    if not found.forced:
        earlier = earlier_result(paths, found.sha256)
        if earlier is not None:
            logger.info("%s: same content as %s; not run again", found.original_name, earlier)
            return "duplicate", finish(paths, found, "duplicate", earlier=earlier)
    problem = entry_problem(found.item)
    if problem:
        return "failed", finish(paths, found, "failed", error=problem)
    return None


def file_run(
    paths: InboxPaths,
    found: Claim,
    outcome: list[dict[str, Any]] | str,
    ledger_url: str,
) -> tuple[Status, Path]:
    """File a claim after its run: ``done`` when every batch completed, else ``failed`` with
    why; the ledger then records where each batch's reports moved to."""
    if isinstance(outcome, str):
        return "failed", finish(paths, found, "failed", error=outcome)
    inside = _reports_inside(found, outcome)
    incomplete = [s for s in outcome if not s.get("complete")]
    if incomplete:
        error = "; ".join(
            f"{s['batch_id']}: {s.get('failure') or 'incomplete'}" for s in incomplete
        )
        target = finish(paths, found, "failed", summaries=outcome, error=error)
    else:
        target = finish(paths, found, "done", summaries=outcome)
    _point_ledger_at(ledger_url, target, inside)
    return ("failed" if incomplete else "done"), target


async def run_claims(
    paths: InboxPaths,
    claims: list[Claim],
    run: ClaimRunner,
    *,
    max_runs: int,
    ledger_url: str,
) -> list[dict[str, str]]:
    """Run and file each claim, up to ``max_runs`` at once; one outcome per claim."""
    slots = asyncio.Semaphore(max_runs)
    # Same content or same batch name: one after the other, so the second sees the first's
    # result (a duplicate) or resumes the same ledger batch instead of racing it.
    locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def one(found: Claim) -> dict[str, str]:
        async with (
            locks["sha:" + found.sha256],
            locks["name:" + found.item.name.lower()],
            slots,
        ):
            filed = file_without_run(paths, found)
            if filed is None:
                filed = file_run(paths, found, await run(found), ledger_url)
        status, where = filed
        return {"name": found.original_name, "status": status, "filed": str(where)}

    return list(await asyncio.gather(*(one(c) for c in claims)))


async def scan_inbox(
    paths: InboxPaths,
    run: ClaimRunner,
    *,
    settle_s: float,
    max_runs: int,
    ledger_url: str,
    claim_ready: Callable[[InboxPaths, float], Awaitable[list[Claim]]] = claim_settled,
) -> dict[str, Any]:
    """One scan: resume what a crash left in ``processing/``, claim the settled drops, run
    each with ``run`` and file it in ``done/`` or ``failed/``."""
    resumed = [record_attempt(c) for c in pending_claims(paths)]
    if resumed:
        logger.info("resuming %d claim(s) left in processing/", len(resumed))
    claims = await claim_ready(paths, settle_s)
    outcomes = await run_claims(
        paths, [*resumed, *claims], run, max_runs=max_runs, ledger_url=ledger_url
    )
    return {
        "root": str(paths.root),
        "resumed": [c.original_name for c in resumed],
        "claimed": [c.original_name for c in claims],
        "outcomes": outcomes,
    }


def _reports_inside(found: Claim, summaries: list[dict[str, Any]]) -> dict[str, Path]:
    """Each batch's report folder relative to the claim, which is about to move."""
    inside: dict[str, Path] = {}
    for summary in summaries:
        folder = Path(summary.get("report_folder", ""))
        if folder.is_relative_to(found.folder):
            inside[summary["batch_id"]] = folder.relative_to(found.folder)
    return inside


def _point_ledger_at(ledger_url: str, target: Path, inside: dict[str, Path]) -> None:
    """Record where the reports are now that the claim was filed in done/ or failed/."""
    if not inside:
        return
    from porting_batch.ledger import Ledger  # only a scan that ran a batch needs the ledger

    with Ledger(ledger_url) as ledger:
        for batch_id, relative in inside.items():
            ledger.set_report_folder(batch_id, str(target / relative))


__all__ = [
    "CLAIM_FILE",
    "FORCE_MARK",
    "RESULT_FILE",
    "Claim",
    "ClaimRunner",
    "InboxPaths",
    "Look",
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
