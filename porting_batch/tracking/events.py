"""Porting events, whichever way they came, as one typed value with a secret-free summary.

Telnyx delivers events in two envelopes (NOTES §10): most webhooks are ``{data: {event_type,
id, occurred_at, payload}, meta}``, some are flat ``{id, event_type, occurred_at, payload, ...}``;
the Events API (``GET /porting/events``) answers objects with ``record_type: porting_event``,
``porting_order_id`` and ``created_at``. ``parse_event`` reads all three.

Only what tracking needs is kept: the status and exception codes, the confirmed FOC, split ids
and numbers, a comment's id and length (never its text), never the end user's PIN, account
number or names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from porting_batch.ledger import StoredEvent

STATUS_CHANGED = "porting_order.status_changed"
NEW_COMMENT = "porting_order.new_comment"
SPLIT = "porting_order.split"
DELETED = "porting_order.deleted"


@dataclass(frozen=True)
class PortingEvent:
    """One porting event, reduced to what tracking needs."""

    id: str
    event_type: str
    order_id: str
    occurred_at: str
    received_via: str  # "webhook" or "events"
    status: str = ""
    exception_codes: tuple[str, ...] = ()
    foc_actual: str = ""
    split_from: str = ""
    split_to: str = ""
    split_numbers: tuple[str, ...] = ()
    comment_id: str = ""
    comment_length: int = 0
    comment_by: str = ""

    def summary(self) -> dict[str, Any]:
        """The fields worth keeping (no secret among them), empty ones left out."""
        fields = {
            "status": self.status,
            "exception_codes": list(self.exception_codes),
            "foc_actual": self.foc_actual,
            "split_from": self.split_from,
            "split_to": self.split_to,
            "split_numbers": list(self.split_numbers),
            "comment_id": self.comment_id,
            "comment_length": self.comment_length,
            "comment_by": self.comment_by,
        }
        return {k: v for k, v in fields.items() if v}

    def record(self, ledger: Any) -> bool:
        """Record this event in the ledger; True only the first time its id is seen."""
        return bool(
            ledger.record_event(
                self.id,
                self.event_type,
                self.order_id,
                self.occurred_at,
                self.received_via,
                self.summary(),
            )
        )


def parse_event(body: Mapping[str, Any], received_via: str) -> PortingEvent:
    """A porting event from a webhook body (either envelope) or an Events API object.

    Raises ``ValueError`` when the body has no event id or type (not a porting event)."""
    inner = body.get("data")
    event = inner if isinstance(inner, Mapping) else body
    event_id = str(event.get("id") or "")
    event_type = str(event.get("event_type") or "")
    if not event_id or not event_type:
        raise ValueError("not a porting event: it has no id or event_type")
    payload = event.get("payload")
    payload = payload if isinstance(payload, Mapping) else {}
    occurred = str(event.get("occurred_at") or event.get("created_at") or "")
    return PortingEvent(
        id=event_id,
        event_type=event_type,
        order_id=str(event.get("porting_order_id") or _order_of(event_type, payload)),
        occurred_at=occurred,
        received_via=received_via,
        **_payload_fields(event_type, payload),
    )


def from_stored(stored: StoredEvent) -> PortingEvent:
    """The event as the ledger recorded it (its summary)."""
    s = stored.summary
    return PortingEvent(
        id=stored.event_id,
        event_type=stored.event_type,
        order_id=stored.order_id,
        occurred_at=stored.occurred_at,
        received_via=stored.received_via,
        status=s.get("status", ""),
        exception_codes=tuple(s.get("exception_codes", ())),
        foc_actual=s.get("foc_actual", ""),
        split_from=s.get("split_from", ""),
        split_to=s.get("split_to", ""),
        split_numbers=tuple(s.get("split_numbers", ())),
        comment_id=s.get("comment_id", ""),
        comment_length=int(s.get("comment_length", 0)),
        comment_by=s.get("comment_by", ""),
    )


def _order_of(event_type: str, payload: Mapping[str, Any]) -> str:
    if event_type == SPLIT:
        return str(_id_of(payload.get("from")))
    return str(payload.get("porting_order_id") or payload.get("id") or "")


def _id_of(value: Any) -> str:
    return str(value.get("id") or "") if isinstance(value, Mapping) else ""


def _payload_fields(event_type: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The summary fields of one payload (by event type)."""
    if event_type == SPLIT:
        numbers = payload.get("porting_phone_numbers") or []
        return {
            "split_from": _id_of(payload.get("from")),
            "split_to": _id_of(payload.get("to")),
            "split_numbers": tuple(
                str(n["phone_number"])
                for n in numbers
                if isinstance(n, Mapping) and n.get("phone_number")
            ),
        }
    if event_type == NEW_COMMENT:
        comment = payload.get("comment")
        comment = comment if isinstance(comment, Mapping) else {}
        return {
            "comment_id": str(comment.get("id") or ""),
            "comment_length": len(str(comment.get("body") or "")),
            "comment_by": str(comment.get("user_type") or ""),
        }
    fields: dict[str, Any] = {}
    status = payload.get("status")
    if isinstance(status, Mapping):
        fields["status"] = str(status.get("value") or "")
        details = status.get("details") or []
        fields["exception_codes"] = tuple(
            str(d["code"]) for d in details if isinstance(d, Mapping) and d.get("code")
        )
    elif isinstance(status, str):
        fields["status"] = status
    settings = payload.get("activation_settings")
    if isinstance(settings, Mapping) and settings.get("foc_datetime_actual"):
        fields["foc_actual"] = str(settings["foc_datetime_actual"])
    return fields
