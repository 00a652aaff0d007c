"""The live definitions of the tables that porting events and tracking keep (migration 0005).

They hang on the same ``metadata`` as the others, so the test comparing migrations with the live
schema covers them.
"""

from __future__ import annotations

import sqlalchemy as sa

from porting_batch.ledger.schema import metadata

porting_events = sa.Table(
    "porting_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("event_type", sa.String(80), nullable=False),
    sa.Column("order_id", sa.String(64), nullable=False, index=True),
    sa.Column("occurred_at", sa.String(40), nullable=False),
    sa.Column("received_via", sa.String(20), nullable=False),
    sa.Column("summary_json", sa.Text, nullable=False),
    sa.Column("recorded_at", sa.String(40), nullable=False),
    sa.Column("applied_at", sa.String(40), nullable=True, index=True),
)
event_cursors = sa.Table(
    "event_cursors",
    metadata,
    sa.Column("scope", sa.String(200), primary_key=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
order_tracking = sa.Table(
    "order_tracking",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("foc_actual", sa.String(40), nullable=False, default=""),
    sa.Column("exception_codes", sa.Text, nullable=False, default=""),
    sa.Column("split_from", sa.String(64), nullable=False, default=""),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
