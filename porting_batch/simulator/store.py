"""Where simulator state lives: dicts in memory, optionally written through to SQLite."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

KINDS = (
    "orders",
    "documents",
    "comments",
    "additional_documents",
    "events",
    "csrs",
    "activation_jobs",
    "phone_number_configurations",
    "associated_numbers",
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS blobs (id TEXT PRIMARY KEY, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


class Store:
    """Objects by kind and id, in insertion order; ``flush`` commits pending writes."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.objects: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
        self.blobs: dict[str, bytes] = {}
        self.meta: dict[str, Any] = {}
        self._seq = 0
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._dirty = False
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Requests run on one event loop, but the server thread is not the one that built us.
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            self._load()
        #: The file's data_version when last loaded: it moves when another process commits.
        self._version = self._data_version()

    def _load(self) -> None:
        assert self._db is not None
        for kind, body, seq in self._db.execute("SELECT kind, body, seq FROM objects ORDER BY seq"):
            if kind in self.objects:
                obj = json.loads(body)
                self.objects[kind][obj["id"]] = obj
            self._seq = max(self._seq, seq)
        for ident, content in self._db.execute("SELECT id, content FROM blobs"):
            self.blobs[ident] = bytes(content)
        for key, value in self._db.execute("SELECT key, value FROM meta"):
            self.meta[key] = json.loads(value)

    def _forget(self) -> None:
        # What this process holds in memory (not the file).
        for kind in KINDS:
            self.objects[kind].clear()
        self.blobs.clear()
        self.meta.clear()

    def _data_version(self) -> int | None:
        if self._db is None:
            return None
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def refresh(self) -> bool:
        """Load the file again if another process sharing it (a second run on the same state
        folder, with its own embedded simulator) committed since; True when it had.

        Skipped while this process has writes of its own pending: their transaction holds the
        file's write lock, so nobody else committed since it began, and they go first."""
        if self._db is None or self._dirty:
            return False
        with self._lock:
            version = self._data_version()
            if version == self._version:
                return False
            self._version = version
            self._forget()
            self._load()
        return True

    def next_counter(self, key: str) -> int:
        """The next value of a counter kept in ``meta``, counted in the file itself when there
        is one: two processes sharing it never hand out the same value (nor the same id)."""
        if self._db is None:
            value = int(self.meta.get(key, 0)) + 1
        else:
            with self._lock:
                # The write lock is taken here and held until the flush that ends the request:
                # another process's next count waits for it, then reads this one's.
                (row,) = self._db.execute(
                    "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) "
                    "DO UPDATE SET value = CAST(value AS INTEGER) + 1 RETURNING value",
                    (key,),
                ).fetchall()
                self._dirty = True
            value = int(row[0])
        self.meta[key] = value
        return value

    def get(self, kind: str, ident: str) -> dict[str, Any] | None:
        """One object, or None."""
        return self.objects[kind].get(ident)

    def all(self, kind: str) -> list[dict[str, Any]]:
        """Every object of a kind, oldest first."""
        return list(self.objects[kind].values())

    def put(self, kind: str, obj: dict[str, Any]) -> None:
        """Insert or replace an object (by its ``id``)."""
        ident = obj["id"]
        self.objects[kind][ident] = obj
        if self._db is not None:
            self._seq += 1
            with self._lock:
                # Keep the first insertion's seq so reload keeps creation order.
                self._db.execute(
                    "INSERT INTO objects (kind, id, seq, body) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(kind, id) DO UPDATE SET body = excluded.body",
                    (kind, ident, self._seq, json.dumps(obj, separators=(",", ":"))),
                )
                self._dirty = True

    def delete(self, kind: str, ident: str) -> None:
        """Remove an object if present."""
        self.objects[kind].pop(ident, None)
        if self._db is not None:
            with self._lock:
                self._db.execute("DELETE FROM objects WHERE kind = ? AND id = ?", (kind, ident))
                self._dirty = True

    def put_blob(self, ident: str, content: bytes) -> None:
        """Keep a document's bytes."""
        self.blobs[ident] = content
        if self._db is not None:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO blobs (id, content) VALUES (?, ?)", (ident, content)
                )
                self._dirty = True

    def delete_blob(self, ident: str) -> None:
        """Forget a document's bytes."""
        self.blobs.pop(ident, None)
        if self._db is not None:
            with self._lock:
                self._db.execute("DELETE FROM blobs WHERE id = ?", (ident,))
                self._dirty = True

    def set_meta(self, key: str, value: Any) -> None:
        """Keep a small JSON value (clock, counters)."""
        self.meta[key] = value
        if self._db is not None:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (key, json.dumps(value)),
                )
                self._dirty = True

    def flush(self) -> None:
        """Commit pending writes, if any."""
        if self._db is not None and self._dirty:
            with self._lock:
                self._db.commit()
                self._dirty = False

    def clear(self) -> None:
        """Forget everything (admin reset)."""
        self._forget()
        if self._db is not None:
            with self._lock:
                self._db.executescript("DELETE FROM objects; DELETE FROM blobs; DELETE FROM meta;")
                self._db.commit()
                self._dirty = False

    def close(self) -> None:
        """Commit and close the database."""
        self.flush()
        if self._db is not None:
            with self._lock:
                self._db.close()
            self._db = None


def plain_copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data, several times faster than copy.deepcopy."""
    if isinstance(value, dict):
        return {key: plain_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_copy(item) for item in value]
    return value
