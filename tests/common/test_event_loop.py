"""The runs' event loop: uvloop where installed, with asyncio's behaviour."""

from __future__ import annotations

import asyncio
import signal
import sys

import pytest

from porting_batch import event_loop


@pytest.mark.skipif(sys.platform == "win32", reason="uvloop is not installed on Windows")
def test_a_run_goes_on_uvloop_where_it_is_installed():
    """The coroutine runs on uvloop's loop (a dependency everywhere but Windows)."""
    import uvloop

    async def loop_type() -> type:
        return type(asyncio.get_running_loop())

    assert issubclass(event_loop.run(loop_type()), uvloop.Loop)


def test_a_run_cancels_what_is_left_pending_and_returns_the_result():
    """Like asyncio.run: the result comes back and a task still pending at the end is cancelled."""
    cancelled: list[bool] = []

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def main() -> int:
        asyncio.get_running_loop().create_task(forever())
        await asyncio.sleep(0)
        return 7

    assert event_loop.run(main()) == 7
    assert cancelled == [True]


def test_a_signal_handler_of_the_loop_is_called():
    """The CLI's SIGINT/SIGTERM handlers are the loop's: a signal raised reaches them."""
    seen: list[int] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        got = asyncio.Event()
        loop.add_signal_handler(signal.SIGUSR1, lambda: (seen.append(1), got.set()))
        try:
            signal.raise_signal(signal.SIGUSR1)
            await asyncio.wait_for(got.wait(), 30)
        finally:
            loop.remove_signal_handler(signal.SIGUSR1)

    event_loop.run(main())
    assert seen == [1]
