"""What the connection pool puts on the wire: each request as httpx built it (request line,
headers in their order, body with its Content-Length), in the clear and over TLS."""

from __future__ import annotations

import hashlib
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest

from porting_batch.client.config import Limits
from porting_batch.client.pool import PooledTransport

from .loopback import Loopback

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

HEADERS = {"Authorization": "Bearer KEYTEST", "Accept": "application/json", "User-Agent": "pb"}
#: A document near the size of a scanned LOA: many reads and writes of the socket.
BIG = bytes(range(256)) * 4096


def _one_connection(verify: ssl.SSLContext | bool = True) -> PooledTransport:
    return PooledTransport(Limits(max_connections=1, max_keepalive_connections=1), verify=verify)


def _as_built(request: httpx.Request) -> tuple[str, list[tuple[str, str]], bytes]:
    """The request line, headers and body httpx built for ``request``."""
    line = f"{request.method} {request.url.raw_path.decode()} HTTP/1.1"
    headers = [(k.decode(), v.decode()) for k, v in request.headers.raw]
    return line, headers, request.content


async def test_each_request_arrives_as_httpx_built_it_on_one_kept_alive_connection() -> None:
    """A GET with a query, JSON POST and PATCH, an empty POST, a bodiless DELETE and a 1 MB
    multipart upload arrive with httpx's request line, headers (no header added, none
    reordered) and body, each with Content-Length where httpx gave one, over one connection."""
    transport = _one_connection()
    async with (
        Loopback() as server,
        httpx.AsyncClient(transport=transport, base_url=server.url(), headers=HEADERS) as client,
    ):
        responses = [
            await client.get("/v2/porting_orders", params={"filter[status]": "draft", "q": "a b"}),
            await client.post("/v2/porting_orders", json={"phone_numbers": ["+13125550001"]}),
            await client.patch("/v2/porting_orders/o-1", json={"customer_reference": "r"}),
            await client.post("/v2/porting_orders/o-1/actions/confirm"),
            await client.delete("/v2/porting_orders/o-1"),
            await client.post(
                "/v2/documents",
                data={"customer_reference": "r"},
                files={"file": ("loa.pdf", BIG, "application/pdf")},
            ),
        ]
    assert server.connections == 1
    assert len(server.received) == len(responses)
    for response, received in zip(responses, server.received, strict=True):
        assert (received.line, received.headers, received.body) == _as_built(response.request)
        assert response.json()["length"] == len(received.body)
    upload = server.received[-1]
    assert upload.header("content-length") == str(len(upload.body)) and len(upload.body) > 2**20
    assert server.received[3].header("content-length") == "0"
    assert server.received[4].header("content-length") is None


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


async def test_requests_over_tls_arrive_whole_and_an_untrusted_certificate_sends_nothing(
    certificate: tuple[Path, Path],
) -> None:
    """Over TLS a 1 MB upload and a JSON POST arrive whole on one connection; a client that
    does not trust the server's certificate fails with a connect error (never sent: the server
    reads no request)."""
    key, cert = certificate
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert, key)
    trusting = _one_connection(verify=ssl.create_default_context(cafile=str(cert)))
    async with Loopback(tls=served) as server:
        async with httpx.AsyncClient(transport=trusting, base_url=server.url("localhost")) as c:
            upload = await c.post("/up", files={"file": ("f.pdf", BIG, "application/pdf")})
            again = await c.post("/json", json={"a": 1})
        trusted = list(server.received)
        async with httpx.AsyncClient(
            transport=_one_connection(), base_url=server.url("localhost")
        ) as wary:
            with pytest.raises(httpx.ConnectError):
                await wary.post("/json", json={"a": 1})
    sent = upload.request.content
    assert upload.json() == {"length": len(sent), "sha": hashlib.sha256(sent).hexdigest()}
    assert again.json()["length"] == len(b'{"a":1}')
    # The refused handshake never became a connection the server read from.
    assert server.connections == 1
    assert server.received == trusted and len(trusted) == 2
