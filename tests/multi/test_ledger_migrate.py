"""``porting-batch ledger migrate --to URL``: a run's SQLite ledger copied into an empty ledger
(SQLite or PostgreSQL), which then carries on where the first left off."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.cli import main
from porting_batch.ledger import Ledger, metadata
from porting_batch.ledger.transfer import migrate_to
from tests.orchestration.test_cli import SAMPLE, Api


@pytest.fixture
def where(tmp_path, monkeypatch):
    """State and reports in the test's folder; no Prefect server configured; cwd there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for name in [k for k in os.environ if k.startswith("PORTING_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PORTING_CSR_POLICY", "off")
    return tmp_path


def _run(where: Path, api: Api) -> int:
    state, out = str(where / "state"), str(where / "reports")
    args = ["run", str(SAMPLE), "--confirm", "--state", state, "--out", out]
    return main(args, open_api=api.open)


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    with Ledger(url) as ledger, ledger.engine.connect() as conn:
        return {
            t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
            for t in metadata.sorted_tables
            if t.name != "migrations"
        }


def test_migrate_copies_every_row_and_the_target_carries_on_without_duplicates(
    where, new_ledger_url: Callable[[], str], capsys, monkeypatch
):
    """Every table's rows arrive unchanged; a re-run on the target creates no order again."""
    api = Api()
    assert _run(where, api) == 0
    orders = api.orders()
    source = f"sqlite:///{where / 'state' / 'ledger.db'}"
    target = new_ledger_url()
    capsys.readouterr()

    code = main(["ledger", "migrate", "--to", target, "--state", str(where / "state")])

    assert code == 0
    assert "ledger copied" in capsys.readouterr().out
    before = _rows(source)
    assert before["orders"] and before["intents"]
    assert _rows(target) == before
    monkeypatch.setenv("PORTING_LEDGER_URL", target)
    assert _run(where, api) == 0
    assert api.orders() == orders


def test_new_rows_on_the_target_take_ids_after_the_copied_ones(where, new_ledger_url):
    """The copied intents' ids are not handed out again (PostgreSQL's sequence is moved on)."""
    assert _run(where, Api()) == 0
    source = f"sqlite:///{where / 'state' / 'ledger.db'}"
    target = new_ledger_url()
    migrate_to(source, target)
    with Ledger(target) as ledger:
        highest = max(row[0] for row in _rows(target)["intents"])
        intent = ledger.record_intent("b", "create", "k")
    assert intent > highest


def test_migrate_into_a_ledger_holding_records_is_refused_and_changes_nothing(
    where, new_ledger_url, capsys
):
    """A second copy into the same target exits 1 naming what it holds; its rows are unchanged."""
    assert _run(where, Api()) == 0
    target = new_ledger_url()
    args = ["ledger", "migrate", "--to", target, "--state", str(where / "state")]
    assert main(args) == 0
    copied = _rows(target)
    capsys.readouterr()

    assert main(args) == 1

    assert "already holds records" in capsys.readouterr().err
    assert _rows(target) == copied


def test_migrate_without_a_source_ledger_exits_2(where, new_sqlite_url, capsys):
    """No ledger in the state folder: nothing is opened or created, one line says so."""
    target = new_sqlite_url()
    assert main(["ledger", "migrate", "--to", target, "--state", str(where / "none")]) == 2
    assert "no ledger at" in capsys.readouterr().err
    assert not (where / "none").exists()
