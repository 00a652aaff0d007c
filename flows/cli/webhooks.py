"""``porting-batch webhooks``: serve the webhook receiver until SIGINT or SIGTERM.

The receiver (``porting_batch.webhooks.WebhookReceiver``) checks each webhook's Ed25519
signature and timestamp against ``PORTING_WEBHOOK_PUBLIC_KEY``; without that key it would
accept nothing genuine, so the command refuses to start. Imports no Prefect.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
from typing import Any

from flows.cli.common import Interrupted, log_to_file
from flows.exit_codes import EXIT_BAD_INPUT, EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM
from porting_batch.settings import Settings, load_settings

NO_KEY = (
    "porting-batch webhooks needs PORTING_WEBHOOK_PUBLIC_KEY: the base64 Ed25519 public key "
    "from the Telnyx portal (or the 'Webhook public key' `porting-batch simulator` prints)"
)


def add_webhooks_command(sub: Any) -> None:
    """Register ``webhooks`` on the command line's subparsers."""
    hooks = sub.add_parser(
        "webhooks", help="receive Telnyx's signed porting webhooks (needs the public key)"
    )
    hooks.add_argument("--host", help="address to bind (default: PORTING_WEBHOOK_HOST, 127.0.0.1)")
    hooks.add_argument(
        "--port", help="port (default: PORTING_WEBHOOK_PORT, 8780; 0 picks a free one)"
    )
    hooks.add_argument("--state", help="state folder (the log file; default: ./state)")
    hooks.set_defaults(handler=cmd_webhooks)


def cmd_webhooks(args: argparse.Namespace) -> int:
    """Serve the receiver on ``--host``/``--port`` until interrupted (exit 130 or 143)."""
    settings = _settings(args)
    if not settings.webhook_public_key:
        print(f"error: {NO_KEY}", file=sys.stderr)
        return EXIT_BAD_INPUT
    import uvicorn

    from porting_batch.webhooks import WebhookReceiver

    log_to_file(settings)
    receiver = WebhookReceiver(
        settings.webhook_public_key, events_sink(settings), path=settings.webhook_path
    )
    try:
        sock = _bind(settings.webhook_host, settings.webhook_port)
    except OSError as exc:
        where = f"{settings.webhook_host}:{settings.webhook_port}"
        print(f"error: cannot listen on {where} ({exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    host = f"[{settings.webhook_host}]" if ":" in settings.webhook_host else settings.webhook_host
    port = sock.getsockname()[1]
    print(f"Receiving webhooks on http://{host}:{port}{settings.webhook_path}", flush=True)
    config = uvicorn.Config(
        receiver, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2
    )
    try:
        # uvicorn catches SIGINT/SIGTERM, shuts down, then raises the signal again: the
        # command line's handler turns that into Interrupted once the server is down.
        uvicorn.Server(config).run(sockets=[sock])
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        print(f"Webhook receiver stopped ({signal.Signals(signum).name})", flush=True)
        return EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT
    finally:
        sock.close()
    return EXIT_OK


def events_sink(settings: Settings) -> Any:
    """Where received events go: the ledger (each id once, applied to the batch's orders), so a
    restarted receiver still knows what it has seen; the log has one line per event."""
    from porting_batch.ledger import Ledger
    from porting_batch.webhooks import LedgerEvents

    settings.state_dir.mkdir(parents=True, exist_ok=True)
    return LedgerEvents(Ledger(settings.ledger_database_url))


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    flags: dict[str, str] = {}
    for attribute, field, flag in (
        ("host", "webhook_host", "--host"),
        ("port", "webhook_port", "--port"),
        ("state", "state_dir", "--state"),
    ):
        value = getattr(args, attribute, None)
        if value is not None:
            overrides[field] = value
            flags[field] = flag
    return load_settings(overrides, flags=flags)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock
