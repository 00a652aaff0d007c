"""The live table definitions: what the code reads and writes today.

Migrations never use these (each migration states its own DDL, frozen as it shipped); a test checks
that a ledger built by the migrations alone matches them.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

migrations_table = sa.Table(
    "migrations",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("applied_at", sa.String(40), nullable=False),
)
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("settings_json", sa.Text, nullable=False, default="{}"),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("runs", sa.Integer, nullable=False, default=0),
    sa.Column("report_folder", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("run_started_at", sa.String(40), nullable=False, default=""),
)
groups = sa.Table(
    "groups",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("group_key", sa.String(64), primary_key=True),
    sa.Column("customer_reference", sa.String(200), nullable=False),
    sa.Column("account", sa.Text, nullable=False, default=""),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("created", sa.Boolean, nullable=False, default=False),
)
orders = sa.Table(
    "orders",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("batch_id", sa.String(200), nullable=False, index=True),
    sa.Column("group_key", sa.String(64), nullable=False),
    sa.Column("customer_reference", sa.String(200), nullable=False),
    sa.Column("status", sa.String(40), nullable=False),
    sa.Column("phone_numbers_json", sa.Text, nullable=False),
    sa.Column("country", sa.String(8), nullable=False, default=""),
    sa.Column("phone_number_type", sa.String(40), nullable=False, default=""),
    sa.Column("carrier", sa.String(200), nullable=False, default=""),
    sa.Column("fast_port", sa.Boolean, nullable=False, default=False),
    sa.Column("foc_chosen", sa.String(40), nullable=False, default=""),
    sa.Column("foc_reason", sa.Text, nullable=False, default=""),
    sa.Column("documents_json", sa.Text, nullable=False, default="{}"),
    sa.Column("patched_fingerprint", sa.String(64), nullable=False, default=""),
    sa.Column("confirmed", sa.Boolean, nullable=False, default=False),
    sa.Column("attention", sa.Text, nullable=False, default=""),
    sa.Column("support_key", sa.String(80), nullable=False, default=""),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
order_numbers = sa.Table(
    "order_numbers",
    metadata,
    sa.Column("phone_number", sa.String(20), primary_key=True),
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("batch_id", sa.String(200), nullable=False, index=True),
    # Saving an order replaces its numbers: found by order, not by a scan of every batch's.
    sa.Index("ix_order_numbers_order_id", "order_id"),
)
documents = sa.Table(
    "documents",
    metadata,
    sa.Column("content_hash", sa.String(64), primary_key=True),
    sa.Column("document_id", sa.String(64), nullable=False),
    sa.Column("file_name", sa.Text, nullable=False),
    sa.Column("uploaded_at", sa.String(40), nullable=False),
)
intents = sa.Table(
    "intents",
    metadata,
    sa.Column("intent_id", sa.Integer, primary_key=True, autoincrement=True),
    # Found by batch through ix_intents_batch_state_target (batch_id first): no index of its own.
    sa.Column("batch_id", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("target", sa.String(200), nullable=False),
    sa.Column("payload_hash", sa.String(64), nullable=False, default=""),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    # Whether one order's write is in doubt is asked per order during a run: an index lookup.
    sa.Index("ix_intents_batch_state_target", "batch_id", "state", "target"),
)
numbers = sa.Table(
    "numbers",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("sheet", sa.String(100), nullable=False),
    sa.Column("row", sa.Integer, nullable=False),
    sa.Column("phone_number", sa.String(20), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("order_id", sa.String(64), nullable=False, default=""),
    sa.Column("phone_number_type", sa.String(40), nullable=False, default=""),
    sa.Column("carrier", sa.String(200), nullable=False, default=""),
    sa.Column("portable", sa.Boolean, nullable=True),
    sa.Column("fast_portable", sa.Boolean, nullable=True),
)
issues = sa.Table(
    "issues",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("issue_json", sa.Text, nullable=False),
)
batch_holds = sa.Table(
    "batch_holds",
    metadata,
    sa.Column("batch_id", sa.String(200), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("started", sa.String(40), nullable=False, default=""),
    sa.Column("acquired_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
)
sent_fields = sa.Table(
    "sent_fields",
    metadata,
    sa.Column("order_id", sa.String(64), primary_key=True),
    sa.Column("path", sa.String(120), primary_key=True),
    sa.Column("batch_id", sa.String(200), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
csr_records = sa.Table(
    "csr_records",
    metadata,
    sa.Column("cache_key", sa.String(64), primary_key=True),
    sa.Column("csr_id", sa.String(64), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("view_json", sa.Text, nullable=False, default="{}"),
    sa.Column("detail", sa.Text, nullable=False, default=""),
    sa.Column("updated_at", sa.String(40), nullable=False),
)
