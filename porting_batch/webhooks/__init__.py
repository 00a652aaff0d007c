"""Telnyx webhooks: signature checks and the receiver that hands genuine events on.

``signature``: Ed25519 verification of ``telnyx-signature-ed25519`` over
``f"{timestamp}|{raw_body}"`` with a 300 s skew limit (pure functions). ``receiver``: the ASGI
app (``porting-batch webhooks`` serves it). ``memory``: an in-memory ``on_event`` that keeps
each event id once; ``ledger_sink``: the production one, recording and applying each event in
the ledger.
"""

from porting_batch.webhooks.ledger_sink import LedgerEvents
from porting_batch.webhooks.memory import MemoryEvents
from porting_batch.webhooks.receiver import (
    DEFAULT_PATH,
    MAX_BODY_BYTES,
    EventSink,
    WebhookReceiver,
    event_id,
    event_type,
)
from porting_batch.webhooks.signature import (
    MAX_SKEW_S,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Rejection,
    load_public_key,
    verify,
)

__all__ = [
    "DEFAULT_PATH",
    "MAX_BODY_BYTES",
    "MAX_SKEW_S",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "EventSink",
    "LedgerEvents",
    "MemoryEvents",
    "Rejection",
    "WebhookReceiver",
    "event_id",
    "event_type",
    "load_public_key",
    "verify",
]
