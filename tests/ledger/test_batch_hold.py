"""One run of a batch at a time: the lease in the ledger and ``hold_batch`` around it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from porting_batch.batch_lock import hold_batch
from porting_batch.errors import BatchBusyError
from porting_batch.ledger import Ledger, batch_holds
from porting_batch.ledger.records import this_host
from tests.ledger.hold_child import first_line

CHILD = Path(__file__).with_name("hold_child.py")
ROOT = Path(__file__).resolve().parents[2]


def test_first_acquire_wins_and_a_second_owner_sees_the_holder(ledger):
    """While one owner holds a batch, another's attempt returns the holder, not the batch."""
    first = ledger.acquire_hold("b", "one", lease_s=30)
    second = ledger.acquire_hold("b", "two", lease_s=30)
    assert (first.owner, second.owner) == ("one", "one")
    assert (second.host, second.pid) == (this_host(), os.getpid())
    holder = ledger.batch_holder("b")
    assert holder is not None and holder.owner == "one"


def test_released_hold_can_be_taken_by_the_next_owner(ledger):
    """After the holder releases the batch, the next owner gets it."""
    ledger.acquire_hold("b", "one", lease_s=30)
    assert ledger.release_hold("b", "one") is True
    assert ledger.batch_holder("b") is None
    assert ledger.acquire_hold("b", "two", lease_s=30).owner == "two"
    assert ledger.release_hold("b", "one") is False


def test_expired_hold_from_another_host_is_taken_over(ledger):
    """A lease from another machine that ran out is taken over at once."""
    ledger.acquire_hold("b", "far", lease_s=0, host="far-away", pid=4242)
    assert ledger.batch_holder("b") is None
    assert ledger.acquire_hold("b", "near", lease_s=30).owner == "near"
    assert ledger.renew_hold("b", "far", lease_s=30) is False


def test_live_hold_from_another_host_is_respected(ledger):
    """A lease from another machine still running is kept, whatever pid it names."""
    ledger.acquire_hold("b", "far", lease_s=60, host="far-away", pid=2**22 + 7)
    assert ledger.acquire_hold("b", "near", lease_s=30).owner == "far"


def test_hold_of_a_dead_process_on_this_host_is_taken_over(ledger):
    """A hold whose process on this host is gone does not make the next run wait."""
    # No process can have an id above the kernel's limit.
    gone = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    ledger.acquire_hold("b", "gone", lease_s=60, pid=gone)
    assert ledger.batch_holder("b") is None
    assert ledger.batch_holder("b", include_stale=True).pid == gone
    assert ledger.acquire_hold("b", "next", lease_s=30).owner == "next"


def test_hold_of_an_earlier_process_with_a_reused_pid_is_taken_over(ledger):
    """A hold whose pid now belongs to a process started later counts as gone."""
    ledger.acquire_hold("b", "earlier", lease_s=60)
    with ledger.engine.begin() as conn:
        conn.execute(batch_holds.update().values(started="1"))
    assert ledger.batch_holder("b") is None
    assert ledger.acquire_hold("b", "next", lease_s=30).owner == "next"


def test_renewal_moves_the_expiry_only_for_the_holder(ledger):
    """Renewing extends the holder's lease; another owner cannot renew it."""
    held = ledger.acquire_hold("b", "one", lease_s=5)
    assert ledger.renew_hold("b", "two", lease_s=60) is False
    assert ledger.renew_hold("b", "one", lease_s=60) is True
    holder = ledger.batch_holder("b")
    assert holder is not None and holder.expires_at > held.expires_at


@pytest.mark.anyio
async def test_second_run_waits_is_told_who_holds_and_gets_the_batch_after(ledger):
    """A second holder in the same process waits, is told who holds the batch within 2 s, and
    holds it only once the first has let go."""
    told = asyncio.Event()
    messages: list[str] = []
    inside: list[str] = []

    def on_wait(message: str) -> None:
        messages.append(message)
        told.set()

    async def second() -> None:
        async with hold_batch(ledger, "march", wait_s=30, lease_s=30, on_wait=on_wait):
            inside.append("second")
            assert inside == ["first", "first left", "second"]

    async with hold_batch(ledger, "march", wait_s=0, lease_s=30):
        inside.append("first")
        waiting = asyncio.create_task(second())
        await asyncio.wait_for(told.wait(), 2)
        assert not waiting.done()
        inside.append("first left")
    await asyncio.wait_for(waiting, 10)
    assert inside[-1] == "second"
    assert messages[0].startswith(f"batch march is being run by {this_host()}:{os.getpid()} since ")
    assert messages[0].endswith("; waiting (up to 30 s)")
    assert ledger.batch_holder("march") is None


@pytest.mark.anyio
async def test_run_that_waited_too_long_gets_batch_busy_error(ledger):
    """When the batch stays held past wait_s, the waiting run stops with a one-line error."""
    async with hold_batch(ledger, "march", wait_s=0, lease_s=30):
        with pytest.raises(BatchBusyError) as caught:
            async with hold_batch(ledger, "march", wait_s=0.3, lease_s=30):
                pytest.fail("entered a batch another run holds")
    message = str(caught.value)
    assert "batch march is being run by" in message and "stopped waiting after 0.3 s" in message
    assert "\n" not in message


@pytest.mark.anyio
async def test_hold_is_released_when_the_body_fails_or_is_cancelled(ledger):
    """Whether the body raises or is cancelled, the batch is free afterwards."""
    with pytest.raises(RuntimeError):
        async with hold_batch(ledger, "b", wait_s=0, lease_s=30):
            raise RuntimeError("boom")
    assert ledger.batch_holder("b", include_stale=True) is None

    entered = asyncio.Event()

    async def body() -> None:
        async with hold_batch(ledger, "b", wait_s=0, lease_s=30):
            entered.set()
            await asyncio.Event().wait()

    task = asyncio.create_task(body())
    await asyncio.wait_for(entered.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ledger.batch_holder("b", include_stale=True) is None


@pytest.mark.anyio
async def test_hold_is_renewed_in_the_background(ledger):
    """While the body runs, the lease is renewed every third of its length."""
    async with hold_batch(ledger, "b", wait_s=0, lease_s=0.6):
        first = ledger.batch_holder("b")
        assert first is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10
        while (now := ledger.batch_holder("b")) is not None and now.expires_at == first.expires_at:
            assert loop.time() < deadline, "the lease was never renewed"
            await asyncio.sleep(0.05)
        assert now is not None and now.owner == first.owner


@pytest.mark.anyio
async def test_run_that_lost_its_hold_is_stopped(ledger):
    """If another run takes the batch over, the body is cancelled and BatchBusyError raised."""
    with pytest.raises(BatchBusyError) as caught:
        async with hold_batch(ledger, "b", wait_s=0, lease_s=0.6):
            mine = ledger.batch_holder("b")
            assert mine is not None
            ledger.release_hold("b", mine.owner)
            ledger.acquire_hold("b", "thief", lease_s=60, host="elsewhere", pid=1)
            await asyncio.wait_for(asyncio.Event().wait(), 10)
    assert "lost its hold on batch b to elsewhere:1" in str(caught.value)
    holder = ledger.batch_holder("b")
    assert holder is not None and holder.owner == "thief"


@pytest.mark.slow
def test_killed_holder_on_this_host_does_not_make_the_next_run_wait(ledger_url):
    """After the holding process is SIGKILLed, the next acquire succeeds at once and the batch it
    left 'running' reads as interrupted."""
    child = subprocess.Popen(
        [sys.executable, str(CHILD), "hold", ledger_url, "march"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        line = first_line(child, timeout=60)
        assert line == "held"
        with Ledger(ledger_url) as ledger:
            holder = ledger.batch_holder("march")
            assert holder is not None and holder.pid == child.pid
            assert ledger.acquire_hold("march", "me", lease_s=30).owner != "me"
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=30)
            assert ledger.acquire_hold("march", "me", lease_s=30).owner == "me"
            ledger.release_hold("march", "me")
            batch = ledger.batch("march")
            assert batch is not None and batch["status"] == "interrupted"
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
