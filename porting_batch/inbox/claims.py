"""Claims: an entry moved out of ``inbox/`` by one atomic rename, held by a file lock while it
runs, recorded in ``claim.json`` so a crash leaves something the next scan can resume."""

from __future__ import annotations

import fcntl
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from porting_batch.files import write_text_atomic
from porting_batch.inbox.entries import InboxPaths, content_hash, run_name

CLAIM_FILE = "claim.json"
RESULT_FILE = "result.json"
#: Held (flock) by the process running a claim: the OS lets go when that process dies, which is
#: how a scan tells a crashed claim (resume it) from one another scan is running (leave it).
LOCK_FILE = ".running.lock"
TIME_FORMAT = "%Y%m%dT%H%M%SZ"

#: One logger for the whole inbox (operators filter on it; its name predates the package).
logger = logging.getLogger("porting_batch.inbox")


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


def claim(paths: InboxPaths, name: str, *, now: datetime | None = None) -> Claim | None:
    """Move ``inbox/<name>`` into a new claim folder by one atomic rename.

    Returns None when someone else claimed it first (the rename found nothing).
    """
    when = now or datetime.now(UTC)
    target_name, forced = run_name(name)
    folder = unique(paths.processing / f"{name}-{when.strftime(TIME_FORMAT)}")
    folder.mkdir(parents=True)
    lock = _try_lock(folder)
    item = folder / target_name
    try:
        os.rename(paths.inbox / name, item)
    except FileNotFoundError:
        unlock(lock, folder)
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
            unlock(lock, folder)
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


def unlock(lock: IO[str] | None, folder: Path) -> None:
    """Remove a claim folder's lock file and let go of the lock (filing, or a claim given up)."""
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


def report_folder_for(found: Claim) -> Path:
    """Where a claim's runs write their reports: inside the claim, so they move with it."""
    return found.folder / "reports"


def record_attempt(found: Claim) -> Claim:
    """Count one more run of a claim (a resume after a crash is the second)."""
    found.runs += 1
    found.save()
    return found


def unique(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``... : the first name not taken yet."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.name}-{n}")
    return candidate
