"""Fixtures for the several-machines tests: the ledger back ends of ``tests/ledger``."""

from __future__ import annotations

from tests.ledger import conftest as ledger_fixtures

pg_database = ledger_fixtures.pg_database
new_pg_url = ledger_fixtures.new_pg_url
new_sqlite_url = ledger_fixtures.new_sqlite_url
new_ledger_url = ledger_fixtures.new_ledger_url
