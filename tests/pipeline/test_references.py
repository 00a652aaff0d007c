"""Order references and group keys are keyed: nobody holding the report or the ledger can
recompute them from an account's cells, yet the same key finds the same orders again."""

from __future__ import annotations

import hashlib
import stat
import threading

import pytest
from pydantic import SecretStr

from porting_batch.intake import InputRow
from porting_batch.plan import account_identity, group_accounts
from porting_batch.references import KEY_FILE, load_or_create_key, reference_key
from porting_batch.runner import run_batch, start_run, steps
from porting_batch.runner.complete import patch_fingerprint

from .conftest import SAMPLE

pytestmark = pytest.mark.anyio

CREATE = "POST /porting_orders"
PATCH = "PATCH /porting_orders/{id}"
ACME = {
    "entity_name": "Acme Inc.",
    "account_number": "ACM-0042-7781",
    "pin_passcode": "0520",
    "billing_phone_number": "+13125550100",
}


def _row() -> InputRow:
    return InputRow(sheet="Numbers", row=2, raw={}, values=dict(ACME), phone_numbers=["+1312"])


def test_the_reference_cannot_be_recomputed_from_the_cells_without_the_key():
    """The old unkeyed digest of the cells (PIN included) appears nowhere in the reference,
    the group key or the fingerprint, and another key gives other values."""
    row = _row()
    (group,) = group_accounts("batch", [row], key=b"a" * 32)
    (other,) = group_accounts("batch", [row], key=b"b" * 32)
    unkeyed = hashlib.sha256(("batch\x00" + account_identity(row)).encode()).hexdigest()
    assert unkeyed[:10] not in group.customer_reference
    assert group.key != unkeyed
    assert group.fingerprint != group.legacy_fingerprint
    assert (group.key, group.customer_reference, group.fingerprint) != (
        other.key,
        other.customer_reference,
        other.fingerprint,
    )
    (again,) = group_accounts("batch", [row], key=b"a" * 32)
    assert (again.key, again.customer_reference) == (group.key, group.customer_reference)


def test_the_key_file_is_created_once_private_and_kept(tmp_path):
    """The default key is 32 random bytes in the state folder, mode 0600, read back the same."""
    path = tmp_path / "state" / KEY_FILE
    first = load_or_create_key(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == first
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE]


def test_concurrent_first_uses_agree_on_one_key(tmp_path):
    """Threads creating the key at once all end with the same key."""
    path = tmp_path / KEY_FILE
    keys: list[bytes] = []
    start = threading.Barrier(8)

    def make() -> None:
        start.wait(timeout=10)
        keys.append(load_or_create_key(path))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(keys) == 8 and len(set(keys)) == 1


def test_a_configured_secret_is_the_key(settings):
    """PORTING_REFERENCE_SECRET, when set, is used instead of the state folder's key."""
    keyed = settings.model_copy(update={"reference_secret": SecretStr("s3cret-shared")})
    assert reference_key(keyed) == b"s3cret-shared"
    assert not (settings.state_dir / KEY_FILE).exists()


async def test_the_same_key_reuses_orders_across_runs(settings, ledger, client):
    """Two runs with the default key file: the second creates and patches nothing, and the
    references sent are not in the report's reach without the key."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    before = dict(client.stats.as_dict()["calls"])
    second = await run_batch(settings, ledger, client, SAMPLE)
    after = dict(client.stats.as_dict()["calls"])
    assert (after[CREATE], after[PATCH]) == (before[CREATE], before[PATCH])
    assert {o.order_id for o in first.orders} == {o.order_id for o in second.orders}
    assert (settings.state_dir / KEY_FILE).exists()


async def test_orders_made_under_another_key_are_not_duplicated(settings, ledger, client):
    """A ledger whose orders carry references of another scheme (an older version, another
    key): the re-run finds every number by number and creates nothing."""
    first = await run_batch(settings, ledger, client, SAMPLE)
    creates = client.stats.as_dict()["calls"][CREATE]
    other = settings.model_copy(update={"reference_secret": SecretStr("a different key")})
    again = await run_batch(other, ledger, client, SAMPLE)
    assert client.stats.as_dict()["calls"][CREATE] == creates
    assert again.complete, again.failure
    assert again.counts_by_outcome() == first.counts_by_outcome()
    remote = [n for o in again.orders for n in o.phone_numbers]
    assert len(remote) == len(set(remote)) == 43


async def test_orders_patched_under_the_unkeyed_fingerprint_are_not_patched_again(
    settings, ledger, client
):
    """Orders whose last PATCH was recorded with the old unkeyed fingerprint count as
    up to date: no PATCH is sent, nothing is flagged."""
    await run_batch(settings, ledger, client, SAMPLE)
    run = start_run(settings, ledger, client, SAMPLE)
    steps.read(run)
    await steps.check(run, steps.numbers_to_check(run))
    steps.second_pass(run.state)
    plan = steps.plan(run)
    legacy = {g.key: g.legacy_fingerprint for g in plan.groups}
    records = ledger.orders_for_batch("sample-batch")
    assert records
    for record in records:
        record.patched_fingerprint = patch_fingerprint(legacy[record.group_key], record.documents)
        ledger.save_order(record)
    patches = client.stats.as_dict()["calls"][PATCH]
    again = await run_batch(settings, ledger, client, SAMPLE)
    assert client.stats.as_dict()["calls"][PATCH] == patches
    assert again.complete and again.needs_attention == 0
