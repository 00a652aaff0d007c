"""`porting-batch serve` runs the webhook receiver beside the deployments when the public key
is set, and stops it with itself."""

from __future__ import annotations

import signal
import socket
import time

import httpx

from flows.cli.serving import _start_receiver, _stop_receiver
from porting_batch.settings import Settings

#: A valid Ed25519 public key (the simulator's for a fixed seed).
PUBLIC_KEY = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="
#: Bounds a hang only; a loaded machine may take long to start the child.
HANG_S = 300.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answer(url: str) -> int | None:
    try:
        return httpx.post(url, content=b"{}", timeout=2).status_code
    except httpx.HTTPError:
        return None


def test_the_receiver_runs_beside_serve_and_stops_with_it(tmp_path, capsys):
    """With the key set, the receiver answers where serve says (an unsigned POST: 401) and
    ends on SIGTERM when serve stops it."""
    port = _free_port()
    ops = Settings(state_dir=tmp_path / "state", webhook_public_key=PUBLIC_KEY, webhook_port=port)
    child = _start_receiver(ops)
    assert child is not None
    url = f"http://127.0.0.1:{port}/webhooks/telnyx"
    try:
        assert f"Webhooks: {url}" in capsys.readouterr().out
        deadline = time.monotonic() + HANG_S
        while _answer(url) is None and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _answer(url) == 401
    finally:
        _stop_receiver(child)
    assert child.returncode == 128 + signal.SIGTERM


def test_without_the_key_serve_starts_no_receiver_and_says_so(tmp_path, capsys):
    """No public key: no child, and one line saying how to receive webhooks."""
    assert _start_receiver(Settings(state_dir=tmp_path / "state")) is None
    assert "set PORTING_WEBHOOK_PUBLIC_KEY" in capsys.readouterr().out
