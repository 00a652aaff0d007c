"""The pool's asyncio streams send each request in one write: its pieces are held until the
answer is read, or until enough are held that a large body goes out in large pieces."""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
import subprocess
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from porting_batch.client.config import Limits
from porting_batch.client.pool import FLUSH_BYTES, ShardedTransport, _Stream

pytestmark = pytest.mark.anyio


class RecordingTransport(asyncio.Transport):
    """An asyncio transport that notes each write."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


def _stream(answer: bytes = b"answer") -> tuple[_Stream, RecordingTransport]:
    """A pool stream over a recording transport, its answer already received."""
    transport = RecordingTransport()
    reader = asyncio.StreamReader()
    protocol = asyncio.StreamReaderProtocol(reader)
    protocol.connection_made(transport)
    writer = asyncio.StreamWriter(transport, protocol, reader, asyncio.get_running_loop())
    reader.feed_data(answer)
    return _Stream(reader, writer), transport


async def test_the_pieces_of_a_request_go_out_as_one_write_before_its_answer_is_read() -> None:
    """Head, body and the empty end of a request are one write, made when the answer is read."""
    stream, transport = _stream()
    await stream.write(b"POST /v2/x HTTP/1.1\r\n\r\n")
    await stream.write(b'{"a": 1}')
    await stream.write(b"")
    assert transport.writes == []
    assert await stream.read(65536) == b"answer"
    assert transport.writes == [b'POST /v2/x HTTP/1.1\r\n\r\n{"a": 1}']


async def test_a_body_larger_than_the_flush_size_goes_out_in_pieces_of_that_size() -> None:
    """Held bytes are written once they reach FLUSH_BYTES; the rest goes with the read."""
    stream, transport = _stream()
    piece = b"x" * (FLUSH_BYTES // 4)
    for _ in range(9):
        await stream.write(piece)
    assert [len(w) for w in transport.writes] == [FLUSH_BYTES, FLUSH_BYTES]
    await stream.read(1024)
    assert b"".join(transport.writes) == piece * 9


async def test_a_closed_stream_drops_what_it_held() -> None:
    """A request abandoned before its answer was read is not sent by a later read."""
    stream, transport = _stream()
    await stream.write(b"GET / HTTP/1.1\r\n\r\n")
    await stream.aclose()
    assert transport.writes == [] and transport.closed


async def test_a_write_on_a_closed_connection_fails_as_a_write_error() -> None:
    """Held bytes sent on a connection already closed raise httpcore's WriteError."""
    stream, transport = _stream()
    await stream.write(b"GET / HTTP/1.1\r\n\r\n")
    transport.closed = True
    with pytest.raises(httpcore.WriteError):
        await stream.read(1024)


async def test_a_read_with_nothing_arriving_times_out_as_a_read_timeout() -> None:
    """A read that waits longer than its timeout raises httpcore's ReadTimeout."""
    stream, _transport = _stream(b"")
    with pytest.raises(httpcore.ReadTimeout):
        await stream.read(1024, timeout=0.01)


async def _echo_server(tls: ssl.SSLContext | None = None) -> tuple[asyncio.Server, int]:
    """A loopback HTTP/1.1 server answering each request with its body's length and SHA-256."""

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
                writer.close()
                return
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

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
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


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed key and certificate for localhost (made by openssl)."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


@pytest.mark.slow
async def test_requests_over_tls_arrive_whole_and_the_certificate_is_checked(
    certificate: tuple[Path, Path],
) -> None:
    """Over TLS on loopback the same requests arrive whole; a server whose certificate the
    client does not trust is refused as a connection error."""
    key, cert = certificate
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    server, port = await _echo_server(served)
    trusting = ssl.create_default_context(cafile=str(cert))
    transport = ShardedTransport(
        Limits(max_connections=1, max_keepalive_connections=1), verify=trusting
    )
    wary = ShardedTransport(Limits(max_connections=1, max_keepalive_connections=1))
    big = bytes(range(256)) * 3000
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url=f"https://localhost:{port}"
        ) as c:
            upload = await c.post("/up", files={"file": ("f.pdf", big, "application/pdf")})
            again = await c.post("/json", json={"a": 1})
        async with httpx.AsyncClient(transport=wary, base_url=f"https://localhost:{port}") as c:
            with pytest.raises(httpx.ConnectError):
                await c.get("/get")
    finally:
        await transport.aclose()
        await wary.aclose()
        server.close()
        await server.wait_closed()
    sent = upload.request.read()
    assert upload.json() == {"length": len(sent), "sha": hashlib.sha256(sent).hexdigest()}
    assert again.json()["length"] == len(b'{"a":1}')
