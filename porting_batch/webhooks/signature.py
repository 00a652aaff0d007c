"""Telnyx webhook signatures: Ed25519 over ``f"{timestamp}|{raw_body}"`` (NOTES §10).

Telnyx sends ``telnyx-signature-ed25519`` (base64 of a 64-byte signature) and
``telnyx-timestamp`` (unix seconds) with every webhook; the account's 32-byte public key is shown
base64 in the portal. A message whose timestamp is more than ``MAX_SKEW_S`` from now is refused,
so that a captured webhook cannot be replayed later.

Pure functions: the caller passes the clock's reading, and a failure is a :class:`Rejection`
value (the receiver turns it into a status and one log line), not an exception.
"""

from __future__ import annotations

import base64
import binascii
import enum

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from porting_batch.errors import ConfigError

SIGNATURE_HEADER = "telnyx-signature-ed25519"
TIMESTAMP_HEADER = "telnyx-timestamp"
#: Telnyx's own SDK refuses timestamps more than five minutes from now.
MAX_SKEW_S = 300
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64


class Rejection(enum.Enum):
    """Why a webhook's signature check failed; the value is the log line's reason."""

    MISSING_HEADERS = "missing signature or timestamp header"
    BAD_TIMESTAMP = "timestamp is not unix seconds"
    SKEW = "timestamp too far from now"
    MALFORMED_SIGNATURE = "signature is not base64 of 64 bytes"
    BAD_SIGNATURE = "signature does not match"


def load_public_key(text: str, *, name: str = "PORTING_WEBHOOK_PUBLIC_KEY") -> Ed25519PublicKey:
    """The Ed25519 public key from its base64 text (as the Telnyx portal shows it).

    Raises ConfigError naming ``name`` when the text is not base64 of 32 bytes.
    """
    raw = _b64(text.strip())
    if raw is None or len(raw) != PUBLIC_KEY_BYTES:
        raise ConfigError(
            f"{name} is not an Ed25519 public key: expected base64 of {PUBLIC_KEY_BYTES} bytes",
            hint="copy the public key from the Telnyx portal, or the one "
            "`porting-batch simulator` prints",
        )
    return Ed25519PublicKey.from_public_bytes(raw)


def signed_message(timestamp: str, raw_body: bytes) -> bytes:
    """The bytes Telnyx signs: the timestamp as sent, a bar, the body as sent."""
    return timestamp.encode("ascii") + b"|" + raw_body


def skew_rejection(
    timestamp: str | None, now: float, max_skew_s: float = MAX_SKEW_S
) -> Rejection | None:
    """Why ``timestamp`` is refused at ``now`` (unix seconds), or None when it is recent enough."""
    if timestamp is None:
        return Rejection.MISSING_HEADERS
    text = timestamp.strip()
    if not text.isascii() or not text.isdigit():
        return Rejection.BAD_TIMESTAMP
    if abs(now - int(text)) > max_skew_s:
        return Rejection.SKEW
    return None


def signature_rejection(
    public_key: Ed25519PublicKey, signature: str | None, timestamp: str | None, raw_body: bytes
) -> Rejection | None:
    """Why the signature does not prove ``raw_body`` came signed at ``timestamp``, or None."""
    if signature is None or timestamp is None:
        return Rejection.MISSING_HEADERS
    raw = _b64(signature.strip())
    if raw is None or len(raw) != SIGNATURE_BYTES:
        return Rejection.MALFORMED_SIGNATURE
    try:
        public_key.verify(raw, signed_message(timestamp.strip(), raw_body))
    except InvalidSignature:
        return Rejection.BAD_SIGNATURE
    return None


def verify(
    public_key: Ed25519PublicKey,
    signature: str | None,
    timestamp: str | None,
    raw_body: bytes,
    now: float,
    max_skew_s: float = MAX_SKEW_S,
) -> Rejection | None:
    """Both checks, cheap one first: why the webhook is refused, or None when it is genuine."""
    if signature is None or timestamp is None:
        return Rejection.MISSING_HEADERS
    return skew_rejection(timestamp, now, max_skew_s) or signature_rejection(
        public_key, signature, timestamp, raw_body
    )


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
