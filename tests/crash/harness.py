"""A simulator served on loopback behind wrappers that count or record its requests, or kill (or
interrupt) the caller."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import anyio.to_thread
import uvicorn

#: The writes whose count must never exceed an uninterrupted run's: creates and uploads.
WRITE_PATHS = frozenset({"/v2/porting_orders", "/v2/documents"})


def _is_api(scope: Any) -> bool:
    return scope["type"] == "http" and scope["path"].startswith("/v2/")


class CountRequests:
    """ASGI wrapper counting the API requests that reach the simulator, in all and by kind.

    While ``gate`` is set to a closed ``threading.Event``, requests wait for it to open: a test
    can hold a run mid-way until something else has happened.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen = 0
        self.writes: Counter[tuple[str, str]] = Counter()
        self.first_write = threading.Event()
        self.gate: threading.Event | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if _is_api(scope):
            self.seen += 1
            if scope["method"] == "POST" and scope["path"] in WRITE_PATHS:
                self.writes[(scope["method"], scope["path"])] += 1
                self.first_write.set()
            gate = self.gate
            if gate is not None:
                await anyio.to_thread.run_sync(gate.wait)
        await self.app(scope, receive, send)


class RecordWrites:
    """ASGI wrapper keeping every API write that reaches the simulator: (method, path, JSON body
    or None). Behind a ``KillOnRequest``, a request it drops is not recorded: only writes the
    simulator applied are."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.writes: list[tuple[str, str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not _is_api(scope) or scope["method"] not in {"POST", "PATCH", "DELETE"}:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        body = b"".join(chunks)
        try:
            parsed = json.loads(body) if body else None
        except ValueError:  # an upload's multipart body
            parsed = None
        self.writes.append((scope["method"], scope["path"], parsed))
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class KillOnRequest:
    """ASGI wrapper: the Nth API request (of ``method`` on a path matching ``path``, by default
    any) is applied (or, with ``apply=False``, dropped unapplied), then its caller gets
    ``signum`` before it can read the answer.

    SIGKILL leaves nothing to wait for. A signal the caller catches (SIGINT) is answered by
    the caller closing its connection: the request is held until then, so no answer can reach
    the caller first and the point it stops at is the same on every run.
    """

    def __init__(
        self,
        app: Any,
        nth: int,
        method: str = "",
        path: str = r"/v2/.*",
        *,
        apply: bool = True,
        signum: int = signal.SIGKILL,
    ) -> None:
        self.app = app
        self.nth = nth
        self.method = method
        self.path = re.compile(path)
        self.apply = apply
        self.signum = signum
        self.seen = 0
        self.victim: int | None = None
        self.killed = False
        self.in_flight = 0
        self._victim_clients: set[Any] = set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.killed and scope.get("client") in self._victim_clients:
            # A request the dead process had already written to its socket is read only now:
            # the re-run models an operator who runs again after that traffic is over, so it
            # never lands.
            return
        self.in_flight += 1
        try:
            await self._handle(scope, receive, send)
        finally:
            self.in_flight -= 1

    def wait_until_idle(self, timeout: float = 30.0) -> None:
        """Wait until requests the killed process had already sent are done with."""
        deadline = time.monotonic() + timeout
        while self.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert self.in_flight == 0, "the server is still busy with the killed run's requests"

    def _matches(self, scope: Any) -> bool:
        return (
            _is_api(scope)
            and scope["method"] == (self.method or scope["method"])
            and self.path.fullmatch(scope["path"]) is not None
        )

    async def _handle(self, scope: Any, receive: Any, send: Any) -> None:
        if self.victim is not None and not self.killed and scope["type"] == "http":
            self._victim_clients.add(scope.get("client"))
        if self._matches(scope) and self.victim is not None and not self.killed:
            self.seen += 1
            if self.seen == self.nth:

                async def swallow(message: Any) -> None:
                    return None

                if self.apply:
                    await self.app(scope, receive, swallow)
                os.kill(self.victim, self.signum)
                self.killed = True
                if self.signum != signal.SIGKILL:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                return
        await self.app(scope, receive, send)


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve an ASGI app on a free loopback port in a thread; yields the /v2 base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.01)
    try:
        yield f"http://127.0.0.1:{port}/v2"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def order_sets(app: Any) -> list[frozenset[str]]:
    """The simulator's orders as sets of numbers (ids differ between simulators)."""
    orders = app.state.sim.store.all("orders")
    sets = (frozenset(n["phone_number"] for n in o["_sim"]["numbers"]) for o in orders)
    return sorted(sets, key=sorted)
