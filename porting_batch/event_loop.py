"""The event loop a run's coroutines go on: uvloop where it is installed (Linux, macOS), else
asyncio's own.

A run's CPU is mostly the event loop's and the HTTP stack's per request: at 50 requests in
flight, uvloop's loop costs about a sixth less CPU per API call than asyncio's
(``benchmarks/bench_scale.py``). Its behaviour is asyncio's (signal handlers, cancellation,
``asyncio.timeout``), so nothing above the loop changes with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on a new event loop (uvloop's when available), as
    ``asyncio.run`` does: pending tasks cancelled and async generators closed at the end."""
    try:
        import uvloop
    except ImportError:  # Windows, or an environment without it: asyncio's loop is as correct
        return asyncio.run(main)
    return uvloop.run(main)
