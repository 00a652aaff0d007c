"""The secret key behind order references, group keys and fingerprints.

A group's identity is made of its order-level cells, PIN and account number included. A plain
hash of them, sent to Telnyx as the customer reference and kept in the ledger, can be reversed
by trying every PIN; an HMAC under a key kept out of the ledger and the reports cannot. The key
is ``Settings.reference_secret`` when set, else a random key created once in
``<state>/reference.key``. The same key always gives the same references, so re-runs keep
finding their orders; machines sharing a ledger must share the key (set the secret).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from porting_batch.errors import ConfigError
from porting_batch.settings import Settings

KEY_FILE = "reference.key"
KEY_BYTES = 32


def reference_key(settings: Settings) -> bytes:
    """The run's reference key: the configured secret, else the state folder's key file."""
    if settings.reference_secret is not None:
        secret = settings.reference_secret.get_secret_value()
        if not secret:
            raise ConfigError(
                "PORTING_REFERENCE_SECRET is set but empty",
                hint="set it to a long random text, or unset it to use the state folder's key",
            )
        return secret.encode("utf-8")
    return load_or_create_key(Path(settings.state_dir) / KEY_FILE)


def load_or_create_key(path: Path) -> bytes:
    """The key kept in ``path``, created (mode 0600) on first use.

    Creation is atomic: the key is written whole under a private name, then linked to ``path``,
    which fails when another process got there first; both then use the key in ``path``.
    """
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(KEY_BYTES) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):
                os.link(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        return _read_key(path)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the reference key {path}: {exc.strerror or exc}",
            hint="check that the state folder is writable, or set PORTING_REFERENCE_SECRET",
        ) from exc


def _read_key(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < 16:
        raise ConfigError(
            f"the reference key {path} is damaged (expected {KEY_BYTES * 2} hex characters)",
            hint="restore it from a backup: without it re-runs cannot recognise their orders",
        )
    return key


def keyed_digest(key: bytes, text: str) -> str:
    """HMAC-SHA256 of ``text`` under ``key``, as hex."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()
