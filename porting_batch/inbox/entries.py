"""What is in the inbox: the folders, which names are never touched, when an entry is complete
(two looks that agree), what it runs as, and its content hash."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from porting_batch.files import file_sha256
from porting_batch.intake.source import SPREADSHEET_SUFFIXES

#: The suffix (before the extension) that asks for a new run of content already done.
FORCE_MARK = ".rerun"
#: Names being written by an editor, a browser or a copy tool: never claimed.
TEMPORARY_PREFIXES = ("~$", ".", "~")
TEMPORARY_SUFFIXES = (".tmp", ".temp", ".part", ".partial", ".crdownload", ".download", ".swp")


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
