"""The webhook receiver: a small ASGI app that takes Telnyx's signed porting webhooks.

One POST path. For each request, in this order: the body is read up to ``max_body_bytes``
(413 beyond), the timestamp must be within ``max_skew_s`` of the clock (403), the Ed25519
signature must match (401), the body must be a JSON object with an event id (400); then the
event goes to ``on_event``, which records it and says whether it was new. A replay (an id seen
before) is answered 200 like a new event, so that Telnyx stops resending it.

The body may hold end-user data (names, addresses, numbers): it is never logged. Each refusal
is one log line with its reason and the peer's address; an accepted event, its id and type.
"""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from porting_batch.webhooks.signature import (
    MAX_SKEW_S,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    Rejection,
    load_public_key,
    verify,
)

DEFAULT_PATH = "/webhooks/telnyx"
#: Porting events are a few kB; a megabyte is far beyond any real one.
MAX_BODY_BYTES = 1024 * 1024

#: ``on_event(event) -> True`` when the event is new, False when its id was seen before.
EventSink = Callable[[dict[str, Any]], bool | Awaitable[bool]]
Scope = Mapping[str, Any]
Receive = Callable[[], Awaitable[Mapping[str, Any]]]
Send = Callable[[Mapping[str, Any]], Awaitable[None]]

logger = logging.getLogger("porting_batch.webhooks")


class _Refused(Exception):
    """A request the receiver answers with ``status`` without handing anything on."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


#: Signature failures are 401 (not authenticated); a stale or future timestamp, 403.
_STATUS_OF = {Rejection.SKEW: 403}


def event_id(event: Mapping[str, Any]) -> str | None:
    """The event's id: ``data.id`` in the usual envelope, ``id`` in the flat one (NOTES §10)."""
    data = event.get("data")
    found = data.get("id") if isinstance(data, Mapping) else event.get("id")
    return found if isinstance(found, str) and found else None


def event_type(event: Mapping[str, Any]) -> str:
    """The event's type, from either envelope ("" when absent)."""
    data = event.get("data")
    found = data.get("event_type") if isinstance(data, Mapping) else event.get("event_type")
    return found if isinstance(found, str) else ""


class WebhookReceiver:
    """An ASGI app that verifies Telnyx webhooks and hands each genuine event to ``on_event``."""

    def __init__(
        self,
        public_key: str | Ed25519PublicKey,
        on_event: EventSink,
        *,
        path: str = DEFAULT_PATH,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_skew_s: float = MAX_SKEW_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.public_key = load_public_key(public_key) if isinstance(public_key, str) else public_key
        self.on_event = on_event
        self.path = path
        self.max_body_bytes = max_body_bytes
        self.max_skew_s = max_skew_s
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets here: returning closes the connection
        if scope["path"] != self.path:
            await _answer(send, 404, {"error": "not found"})
            return
        if scope["method"] != "POST":
            await _answer(send, 405, {"error": "POST only"}, [(b"allow", b"POST")])
            return
        try:
            status, body = await self._handle(scope, receive)
        except _Refused as refused:
            logger.warning("webhook refused (%s) from %s", refused.reason, _peer(scope))
            await _answer(send, refused.status, {"error": refused.reason})
            return
        await _answer(send, status, body)

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, dict[str, Any]]:
        headers = _headers(scope)
        raw = await self._read_body(headers, receive)
        rejection = verify(
            self.public_key,
            headers.get(SIGNATURE_HEADER),
            headers.get(TIMESTAMP_HEADER),
            raw,
            self.clock(),
            self.max_skew_s,
        )
        if rejection is not None:
            raise _Refused(_STATUS_OF.get(rejection, 401), rejection.value)
        event = _parse(raw)
        identifier = event_id(event)
        if identifier is None:
            raise _Refused(400, "the event has no id")
        try:
            outcome = self.on_event(event)
            new = await outcome if inspect.isawaitable(outcome) else outcome
        except Exception as exc:  # answered 500 so that Telnyx delivers the event again
            logger.error("webhook event %s not recorded: %s", identifier, type(exc).__name__)
            return 500, {"error": "event not recorded; send it again"}
        logger.info(
            "webhook event %s (%s) %s", identifier, event_type(event), "new" if new else "replay"
        )
        return 200, {"id": identifier, "status": "accepted" if new else "duplicate"}

    async def _read_body(self, headers: Mapping[str, str], receive: Receive) -> bytes:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            raise _Refused(413, f"body over {self.max_body_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Refused(400, "client went away before the body ended")
            chunk = message.get("body", b"")
            size += len(chunk)
            # Counted as it arrives: a sender that lies about (or omits) its length is cut off
            # before the body sits in memory.
            if size > self.max_body_bytes:
                raise _Refused(413, f"body over {self.max_body_bytes} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def _parse(raw: bytes) -> dict[str, Any]:
    try:
        event = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _Refused(400, "body is not JSON") from None
    if not isinstance(event, dict):
        raise _Refused(400, "body is not a JSON object")
    return event


def _headers(scope: Scope) -> dict[str, str]:
    """Header names lower-cased (ASGI already does); a repeated header keeps its first value."""
    found: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        found.setdefault(name.decode("latin-1").lower(), value.decode("latin-1"))
    return found


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "unknown peer"


async def _answer(
    send: Send,
    status: int,
    body: dict[str, Any],
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    payload = json.dumps(body).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


async def _lifespan(receive: Receive, send: Send) -> None:
    """Nothing to start or stop; answering lets uvicorn run with ``lifespan="on"``."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
