"""Exactly-once writes: each remote write's intent, and what earlier runs left in the ledger.

An intent is recorded by the client's ``on_send`` just before its request goes on the wire and
settled, with what the write produced, once the answer is in (written with the ledger's next
transaction: a crash before it leaves the intent open, as a crash just before the answer would).
What an earlier run left (its orders, its documents, its intents never settled) is read once,
when the order step begins: the batch is held, so nobody else changes it meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from porting_batch.ledger import Ledger, OrderRecord
from porting_batch.ledger.sent_store import SentFields


class Intent:
    """One remote write's intent, recorded by the client's ``on_send`` once the request has
    its send slot: a crash leaves only the requests actually on their way in doubt, not every
    write still waiting for the pacer."""

    def __init__(
        self, ledger: Ledger, batch_id: str, kind: str, target: str, payload_hash: str = ""
    ) -> None:
        self.ledger = ledger
        self.batch_id = batch_id
        self.kind = kind
        self.target = target
        self.payload_hash = payload_hash
        #: The recorded intent's id; None while the request has not been sent.
        self.intent_id: int | None = None

    def record(self) -> None:
        """Write the intent down (the client calls this just before sending)."""
        self.intent_id = self.ledger.record_intent(
            self.batch_id, self.kind, self.target, self.payload_hash
        )

    def settle(
        self,
        state: str,
        detail: str = "",
        orders: Sequence[OrderRecord] = (),
        document: tuple[str, str, str] | None = None,
        sent: SentFields | None = None,
    ) -> None:
        """Settle the intent and save ``orders``, ``document`` and the ``sent`` field
        fingerprints with it, in one transaction: the ledger's next one, which comes before any
        later write (the next intent's record, before its request is sent) or read, so the
        settlement costs no commit of its own."""
        if self.intent_id is not None:
            self.ledger.settle_intent(
                self.intent_id,
                state,
                detail,
                orders=orders,
                document=document,
                sent=sent,
                defer=True,
            )
            return
        for record in orders:
            self.ledger.save_order(record)
        if document is not None:
            self.ledger.save_document(*document)
        if sent is not None:
            self.ledger.save_sent_fields(*sent)


@dataclass
class Recorded:
    """What the ledger held for the batch when the order step began."""

    #: The batch's orders by number (groups never share a number, so no group's writes
    #: change another's view).
    orders: dict[str, OrderRecord]
    #: The intents earlier runs left open, by target: after a crash, the requests that were
    #: on their way. A target not among them is in no doubt and needs no query of its own.
    open_intents: dict[str, list[dict[str, Any]]]
    #: The batch's documents already uploaded (by any batch), by SHA-256.
    documents: dict[str, str]

    def __post_init__(self) -> None:
        #: The ids of those orders: a group's orders among them were reused, not created.
        self.order_ids = frozenset(o.order_id for o in self.orders.values())

    @classmethod
    def read(cls, ledger: Ledger, batch_id: str, digests: Iterable[str]) -> Recorded:
        """Read it all, before this run records any intent."""
        open_intents: dict[str, list[dict[str, Any]]] = {}
        for intent in ledger.open_intents(batch_id):
            open_intents.setdefault(intent["target"], []).append(intent)
        orders = {
            n: o
            for o in ledger.orders_for_batch(batch_id)
            if o.status != "deleted"
            for n in o.phone_numbers
        }
        return cls(orders, open_intents, ledger.document_ids(digests))

    def open_create(self, reference: str) -> bool:
        """Whether an earlier run sent a create under ``reference`` and never settled it."""
        return any(i["kind"] == "create" for i in self.open_intents.get(reference, ()))
