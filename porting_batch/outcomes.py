"""The closed set of outcomes a number (an input row) can end a run with.

The same values are stored in the ledger, written to the reports and shown in Prefect artifacts.
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """What happened to one number of the batch."""

    PLANNED = "planned"
    READY_AS_DRAFT = "ready_as_draft"
    CONFIRMED = "confirmed"
    NOT_PORTABLE = "not_portable"
    INVALID_INPUT = "invalid_input"
    DUPLICATE = "duplicate"
    NEEDS_ATTENTION = "needs_attention"
    ALREADY_IN_ORDER = "already_in_order"
    NOT_PROCESSED = "not_processed"
    CANCELLED = "cancelled"

    @property
    def description(self) -> str:
        """What the outcome means to an operator, and what to do next."""
        return DESCRIPTIONS[self]

    @property
    def is_success(self) -> bool:
        """Whether the number is where the run wanted it."""
        return self in {Outcome.PLANNED, Outcome.READY_AS_DRAFT, Outcome.CONFIRMED}

    @property
    def is_final(self) -> bool:
        """Whether the number has *reached* its outcome for this run: every outcome but
        ``not_processed``.

        The runner gives ``not_processed`` to every number a failure of the API (or the run)
        stopped, including a complete draft that ``--confirm`` could not submit, and
        ``ready_as_draft`` under ``--confirm`` only to a draft held for its FOC; so a run whose
        numbers are all final is complete. ``needs_attention`` is final: Telnyx refused the
        operator's data, and only the operator can change that.
        """
        return self is not Outcome.NOT_PROCESSED


DESCRIPTIONS: dict[Outcome, str] = {
    Outcome.PLANNED: "Dry run: the number would go into the order shown; nothing was sent.",
    Outcome.READY_AS_DRAFT: "In a complete draft order; run again with --confirm to submit it.",
    Outcome.CONFIRMED: "In an order that was submitted to Telnyx (confirmed).",
    Outcome.NOT_PORTABLE: "Telnyx cannot port this number; see the reason. It is in no order.",
    Outcome.INVALID_INPUT: "The row has an error; fix the cell named in Issues and run again.",
    Outcome.DUPLICATE: "The number appears earlier in the file; only the first row is used.",
    Outcome.NEEDS_ATTENTION: "Its order exists but Telnyx refused part of the data; see Issues.",
    Outcome.ALREADY_IN_ORDER: "The number is already in an active porting order; it was skipped.",
    Outcome.NOT_PROCESSED: "The run stopped before reaching this number; run the file again.",
    Outcome.CANCELLED: "Its row says cancel: its order was cancelled (or, a draft, deleted).",
}
