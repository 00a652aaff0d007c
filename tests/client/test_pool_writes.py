"""The pool's streams send each request in one write: its pieces are held until the answer is
read, or until enough are held that a large body goes out in large pieces."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import httpcore
import httpx
import pytest

from porting_batch.client.config import Limits
from porting_batch.client.pool import FLUSH_BYTES, ShardedTransport, _Stream

pytestmark = pytest.mark.anyio


class RecordingStream(httpcore.AsyncNetworkStream):
    """A network stream that notes each write and answers reads from a script."""

    def __init__(self, answers: list[bytes] | None = None) -> None:
        self.writes: list[bytes] = []
        self.events: list[str] = []
        self.answers = list(answers or [b"answer"])

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        self.events.append("read")
        return self.answers.pop(0) if self.answers else b""

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self.events.append("write")
        self.writes.append(buffer)

    async def aclose(self) -> None:
        self.events.append("close")

    def get_extra_info(self, info: str) -> Any:
        return None


async def test_the_pieces_of_a_request_go_out_as_one_write_before_its_answer_is_read() -> None:
    """Head, body and the empty end of a request are one write, made when the answer is read."""
    inner = RecordingStream()
    stream = _Stream(inner)
    await stream.write(b"POST /v2/x HTTP/1.1\r\n\r\n")
    await stream.write(b'{"a": 1}')
    await stream.write(b"")
    assert inner.writes == []
    assert await stream.read(65536) == b"answer"
    assert inner.writes == [b'POST /v2/x HTTP/1.1\r\n\r\n{"a": 1}']
    assert inner.events == ["write", "read"]


async def test_a_body_larger_than_the_flush_size_goes_out_in_pieces_of_that_size() -> None:
    """Held bytes are written once they reach FLUSH_BYTES; the rest goes with the read."""
    inner = RecordingStream()
    stream = _Stream(inner)
    piece = b"x" * (FLUSH_BYTES // 4)
    for _ in range(9):
        await stream.write(piece)
    assert [len(w) for w in inner.writes] == [FLUSH_BYTES, FLUSH_BYTES]
    await stream.read(1024)
    assert b"".join(inner.writes) == piece * 9


async def test_a_closed_stream_drops_what_it_held() -> None:
    """A request abandoned before its answer was read is not sent by a later read."""
    inner = RecordingStream()
    stream = _Stream(inner)
    await stream.write(b"GET / HTTP/1.1\r\n\r\n")
    await stream.aclose()
    assert inner.writes == []


async def _echo_server() -> tuple[asyncio.Server, int]:
    """A loopback HTTP/1.1 server answering each request with its body's length and SHA-256."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode().split("\r\n"):
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            body = await reader.readexactly(length)
            answer = json.dumps({"length": length, "sha": hashlib.sha256(body).hexdigest()})
            writer.write(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(answer)}\r\n\r\n{answer}".encode()
            )
            await writer.drain()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


@pytest.mark.slow
async def test_requests_small_and_large_arrive_whole_over_a_real_socket() -> None:
    """Over loopback, a JSON body, a multipart upload larger than the flush size and a GET all
    arrive byte for byte, one after another on one kept-alive connection."""
    server, port = await _echo_server()
    transport = ShardedTransport(Limits(max_connections=1, max_keepalive_connections=1))
    big = bytes(range(256)) * 3000
    try:
        async with httpx.AsyncClient(transport=transport, base_url=f"http://127.0.0.1:{port}") as c:
            small = await c.post("/json", json={"a": "b" * 100})
            upload = await c.post("/up", files={"file": ("f.pdf", big, "application/pdf")})
            nothing = await c.get("/get")
    finally:
        await transport.aclose()
        server.close()
        await server.wait_closed()
    assert small.json()["length"] == len(json.dumps({"a": "b" * 100}, separators=(",", ":")))
    sent = upload.request.read()
    assert upload.json() == {"length": len(sent), "sha": hashlib.sha256(sent).hexdigest()}
    assert len(sent) > FLUSH_BYTES
    assert nothing.json()["length"] == 0
