"""Frozen migrations: a ledger built by them matches the live schema, and an older release's
ledger upgrades with its data intact."""

from __future__ import annotations

import ast
import inspect
import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from porting_batch.ledger import MIGRATIONS, Ledger, metadata, migrations

FIXTURES = Path(__file__).with_name("fixtures")
RELEASE = "ee373c7"


def describe_schema(url: str) -> dict[str, Any]:
    """Tables, columns (type, nullability, autoincrement), primary keys and indexes, as
    SQLAlchemy's inspector reads them from the database."""
    engine = sa.create_engine(url)
    try:
        found = sa.inspect(engine)
        described: dict[str, Any] = {}
        for table in sorted(found.get_table_names()):
            described[table] = {
                "columns": {
                    c["name"]: (
                        str(c["type"]),
                        c["nullable"],
                        "nextval" in str(c.get("default") or ""),
                    )
                    for c in found.get_columns(table)
                },
                "primary_key": found.get_pk_constraint(table)["constrained_columns"],
                "indexes": sorted(
                    (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                    for i in found.get_indexes(table)
                ),
            }
        return described
    finally:
        engine.dispose()


def live_schema(url: str) -> dict[str, Any]:
    """The live table definitions, created directly, as the inspector reads them."""
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return describe_schema(url)


def test_ledger_built_by_migrations_matches_the_live_tables(new_ledger_url):
    """Migrations alone build exactly the tables, columns, keys and indexes the code uses."""
    built = new_ledger_url()
    Ledger(built).close()
    assert describe_schema(built) == live_schema(new_ledger_url())


def test_migrations_never_use_the_live_table_definitions():
    """No migration reads the live schema, so a later column cannot leak into an old one."""
    tree = ast.parse(inspect.getsource(migrations))
    imported = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None
    }
    assert "porting_batch.ledger.schema" not in imported
    assert "porting_batch.ledger" not in imported


def load_release_ledger(url: str) -> None:
    """Fill an empty database from the release's SQL fixture for its dialect."""
    engine = sa.create_engine(url)
    dialect = engine.dialect.name
    script = (FIXTURES / f"ledger_{RELEASE}.{dialect}.sql").read_text()
    if dialect == "sqlite":
        engine.dispose()
        database = url.removeprefix("sqlite:///")
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(database) as conn:
            conn.executescript(script)
        return
    with engine.begin() as conn:
        for statement in script.split(";\n"):
            if statement.strip():
                conn.exec_driver_sql(statement)
    engine.dispose()


def test_release_ledger_upgrades_with_its_data_intact(new_ledger_url):
    """A ledger made by release ee373c7 opens with the new code: rows survive, the new tables,
    columns and indexes exist, and the schema then equals the live one."""
    url = new_ledger_url()
    load_release_ledger(url)
    with Ledger(url) as ledger:
        assert ledger.applied_migrations() == [name for name, _ in MIGRATIONS]
        batch = ledger.batch("march")
        assert batch is not None
        assert (batch["file_name"], batch["runs"]) == ("march.xlsx", 1)
        assert batch["status"] == "interrupted"  # left running by a run that is long gone
        orders = {o.order_id: o for o in ledger.orders_for_batch("march")}
        assert orders["o1"].phone_numbers == ["+13125550100", "+13125550101"]
        assert orders["o1"].fast_port is True and orders["o1"].documents == {"loa": "doc-1"}
        assert set(ledger.active_orders_for_numbers(["+13125550100", "+13125550102"])) == {
            "+13125550100"
        }
        assert [n.phone_number for n in ledger.numbers_for_batch("march")] == [
            "+13125550100",
            "+13125550103",
        ]
        assert ledger.issues_for_batch("march") == [{"message": "row 4: bad number", "row": 4}]
        assert ledger.document_id("h1") == "doc-1"
        assert [i["kind"] for i in ledger.open_intents_for("march", "o1")] == ["patch"]
        assert ledger.record_intent("march", "confirm", "o1") == 3
        assert ledger.acquire_hold("march", "me", lease_s=30).owner == "me"
    assert describe_schema(url) == live_schema(new_ledger_url())


def test_release_fixture_is_the_releases_schema():
    """The fixture was made from the release's own table definitions (it names its indexes)."""
    script = (FIXTURES / f"ledger_{RELEASE}.sqlite.sql").read_text()
    assert "CREATE INDEX ix_intents_batch_id ON intents (batch_id)" in script
    assert "batch_holds" not in script and "ix_intents_batch_state_target" not in script
