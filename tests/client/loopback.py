"""A raw HTTP/1.1 server on loopback for the connection pool's tests: it records each request
as it arrived (request line, headers in order, body) and answers as each test scripts it."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Received:
    """One request as the server read it off the socket."""

    line: str
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def method(self) -> str:
        return self.line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        return self.line.split(" ")[1]

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


#: Answers one request; closing ``writer`` ends the connection.
Reply = Callable[[Received, asyncio.StreamWriter], Awaitable[None]]


def answer(
    writer: asyncio.StreamWriter,
    data: Any,
    *,
    status: str = "200 OK",
    headers: tuple[tuple[str, str], ...] = (),
) -> None:
    """Write a JSON answer with its Content-Length."""
    body = json.dumps(data).encode()
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers)
    writer.write(f"{head}content-length: {len(body)}\r\n\r\n".encode() + body)


async def echo(request: Received, writer: asyncio.StreamWriter) -> None:
    """Answer with the length and SHA-256 of the body that arrived."""
    answer(writer, {"length": len(request.body), "sha": hashlib.sha256(request.body).hexdigest()})


class Loopback:
    """A server on 127.0.0.1 (TLS with ``tls``) that reads whole requests (by Content-Length;
    a chunked one is refused) and hands each to ``reply``."""

    def __init__(self, reply: Reply = echo, *, tls: ssl.SSLContext | None = None) -> None:
        self.reply = reply
        self.tls = tls
        self.received: list[Received] = []
        #: Connections accepted so far.
        self.connections = 0
        #: Set when a request has arrived (cleared by the tests that wait for the next).
        self.arrived = asyncio.Event()
        self._writers: list[asyncio.StreamWriter] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    def url(self, host: str = "127.0.0.1") -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host}:{self.port}"

    async def __aenter__(self) -> Loopback:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            while not writer.is_closing():
                head = (await reader.readuntil(b"\r\n\r\n")).decode()
                line, *lines = head[:-4].split("\r\n")
                headers = [(k, v.strip()) for k, v in (x.split(":", 1) for x in lines)]
                received = Received(line, headers, b"")
                assert received.header("transfer-encoding") is None, "a chunked body"
                length = int(received.header("content-length") or 0)
                received = Received(line, headers, await reader.readexactly(length))
                self.received.append(received)
                self.arrived.set()
                await self.reply(received, writer)
                if not writer.is_closing():
                    await writer.drain()
        writer.close()
