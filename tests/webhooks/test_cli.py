"""``porting-batch webhooks``: refuses without a key, serves, and stops cleanly on a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from flows.cli import main

from .conftest import envelope, public_b64, signed_headers

BIN = Path(sys.executable).parent


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clean working folder (no .env) and no webhook settings in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ("PUBLIC_KEY", "HOST", "PORT", "PATH"):
        monkeypatch.delenv(f"PORTING_WEBHOOK_{name}", raising=False)
    return tmp_path


def test_the_receiver_refuses_to_start_without_a_public_key(
    here: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No PORTING_WEBHOOK_PUBLIC_KEY: one line saying where the key comes from, exit 2."""
    code = main(["webhooks", "--port", "0"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("error: porting-batch webhooks needs PORTING_WEBHOOK_PUBLIC_KEY")


def test_a_key_that_is_not_ed25519_is_refused_naming_the_variable(
    here: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A malformed key is a settings error: the variable, the value and what it should be."""
    monkeypatch.setenv("PORTING_WEBHOOK_PUBLIC_KEY", "abc")
    assert main(["webhooks"]) == 2
    assert capsys.readouterr().err.startswith(
        "error: PORTING_WEBHOOK_PUBLIC_KEY=abc: not an Ed25519 public key"
    )


def _default_sigint() -> None:
    """A child started from a background shell inherits an ignored SIGINT: undo that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["int", "term"]
)
def test_the_served_receiver_takes_a_signed_webhook_and_stops_on_a_signal(
    here: Path, signum: int, expected: int
) -> None:
    """The command serves over HTTP (a genuine webhook 200, a forgery 401) and SIGINT/SIGTERM
    stop it with one line and 130/143."""
    key = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    env = {**os.environ, "PORTING_WEBHOOK_PUBLIC_KEY": public_b64(key)}
    process = subprocess.Popen(
        [str(BIN / "porting-batch"), "webhooks", "--port", "0", "--state", str(here / "state")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    try:
        first = process.stdout.readline() if process.stdout else ""
        assert first.startswith("Receiving webhooks on http://127.0.0.1:"), first
        url = first.split(" on ", 1)[1].strip()
        body = envelope("ev-cli")
        good = httpx.post(url, content=body, headers=signed_headers(key, body, int(time.time())))
        forged = httpx.post(
            url, content=body, headers=signed_headers(key, b"other", int(time.time()))
        )
        assert (good.status_code, forged.status_code) == (200, 401)
        process.send_signal(signum)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == expected, err
    assert out.strip() == f"Webhook receiver stopped ({signal.Signals(signum).name})"
    log = (here / "state" / "logs" / "porting-batch.log").read_text(encoding="utf-8")
    assert "ev-cli" in log and "refused (signature does not match)" in log
