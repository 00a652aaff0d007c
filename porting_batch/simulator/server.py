"""Serving the simulator: ``porting-batch simulator ...`` and ``running_simulator(...)``."""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from porting_batch.simulator.app import create_app
from porting_batch.simulator.config import PROFILES, Faults, SimulatorConfig
from porting_batch.simulator.http import SimulatedDrop
from porting_batch.simulator.scenario import ScenarioError
from porting_batch.simulator.webhooks import WebhookPolicy

LOOPBACK = "127.0.0.1"


class _HideSimulatedDrops(logging.Filter):
    """Injected dropped connections are on purpose: keep their tracebacks out of the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, SimulatedDrop)


@dataclass
class RunningSimulator:
    """A simulator being served: where to reach it and how to authenticate."""

    base_url: str
    api_key: str
    app: Any
    host: str
    port: int

    @property
    def admin_url(self) -> str:
        """The admin prefix, e.g. ``http://127.0.0.1:PORT/_simulator``."""
        return f"http://{_url_host(self.host)}:{self.port}/_simulator"

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header the API and the admin routes both need."""
        return {"Authorization": f"Bearer {self.api_key}"}


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn's h11 server writes headers and body separately; with Nagle on, the body then
    # waits for the client's delayed ACK (~40 ms a request). Accepted sockets inherit this.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _server(app: Any, log_level: str) -> uvicorn.Server:
    logging.getLogger("uvicorn.error").addFilter(_HideSimulatedDrops())
    config = uvicorn.Config(
        app, log_level=log_level, access_log=False, lifespan="on", timeout_graceful_shutdown=2
    )
    return uvicorn.Server(config)


@contextmanager
def running_simulator(
    config: SimulatorConfig | None = None, host: str = LOOPBACK, port: int = 0
) -> Iterator[RunningSimulator]:
    """Serve a simulator with uvicorn in a background thread for the ``with`` block."""
    config = config or SimulatorConfig()
    app = create_app(config)
    sock = _bind(host, port)
    bound_port = sock.getsockname()[1]
    app.state.webhooks.policy.serving_on(bound_port)
    server = _server(app, "critical")
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="porting-simulator", daemon=True
    )
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the simulator server stopped while starting")
            thread.join(0.01)
        yield RunningSimulator(
            base_url=f"http://{_url_host(host)}:{bound_port}/v2",
            api_key=config.api_keys[0],
            app=app,
            host=host,
            port=bound_port,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.webhooks.close()
        app.state.sim.store.close()


def _latency(value: str) -> Any:
    """``50`` (fixed ms), ``uniform:10:90`` or ``exponential:40``."""
    if ":" not in value:
        return float(value)
    kind, *numbers = value.split(":")
    if kind == "uniform" and len(numbers) == 2:
        return {"distribution": "uniform", "min_ms": float(numbers[0]), "max_ms": float(numbers[1])}
    if kind == "exponential" and len(numbers) == 1:
        return {"distribution": "exponential", "ms": float(numbers[0])}
    raise argparse.ArgumentTypeError(
        f"--latency-ms {value!r}: write a number of ms, uniform:MIN:MAX or exponential:MEAN"
    )


def _faults(value: str) -> dict[str, float]:
    """``error_rate=0.05,drop_rate=0.01,lost_response_rate=0.02`` or a JSON object."""
    try:
        if value.lstrip().startswith("{"):
            data = json.loads(value)
        else:
            data = {}
            for part in value.split(","):
                name, _, number = part.partition("=")
                data[name.strip()] = float(number)
        Faults.from_value(data)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--faults {value!r}: {exc}") from exc
    return data


def _receiver(value: str) -> str:
    """A loopback http(s) URL that may receive webhooks."""
    try:
        WebhookPolicy([value])
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--webhook-receiver: {exc}") from exc
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``porting-batch simulator``."""
    parser = argparse.ArgumentParser(
        prog="porting-batch simulator",
        description="Serve a local, deterministic stand-in for the Telnyx porting API.",
    )
    parser.add_argument("--host", default=LOOPBACK, help="address to bind (default loopback)")
    parser.add_argument("--port", type=int, default=0, help="port (0 picks a free one)")
    parser.add_argument("--scenario", type=Path, help="scenario file (JSON or YAML)")
    parser.add_argument(
        "--latency-ms", type=_latency, help="added latency: MS, uniform:MIN:MAX, exponential:MEAN"
    )
    parser.add_argument("--rate-limit", type=float, help="requests per second per API key")
    parser.add_argument(
        "--faults", type=_faults, help="e.g. error_rate=0.05,drop_rate=0.01,lost_response_rate=0.02"
    )
    parser.add_argument("--state", type=Path, help="SQLite file that keeps state across restarts")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated clock speed")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and fault draws")
    parser.add_argument("--api-key", action="append", help="accepted API key (repeatable)")
    parser.add_argument(
        "--profile",
        choices=PROFILES,
        help="realistic (fails the way Telnyx does) or lenient (says yes to everything); "
        "default: the scenario file's 'profile', else realistic",
    )
    parser.add_argument(
        "--random-rejection-rate",
        type=float,
        help="share of submissions rejected for no data reason (realistic default 0.03)",
    )
    parser.add_argument(
        "--ops-split-rate",
        type=float,
        help="share of submitted orders split by porting ops (realistic default 0.02)",
    )
    parser.add_argument(
        "--webhook-receiver",
        action="append",
        type=_receiver,
        help="loopback URL allowed to receive webhooks (repeatable; default: none)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the simulator in the foreground until interrupted."""
    args = build_parser().parse_args(argv)
    config = SimulatorConfig(
        api_keys=tuple(args.api_key) if args.api_key else SimulatorConfig().api_keys,
        scenario=args.scenario,
        latency_ms=args.latency_ms,
        rate_limit_per_s=args.rate_limit,
        faults=args.faults,
        state_file=args.state,
        clock_speed=args.speed,
        seed=args.seed,
        webhook_receivers=tuple(args.webhook_receiver or ()),
        profile=args.profile,
        random_rejection_rate=args.random_rejection_rate,
        ops_split_rate=args.ops_split_rate,
    )
    try:
        app = create_app(config)
    except (ScenarioError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        sock = _bind(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port} ({exc})", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    app.state.webhooks.policy.serving_on(port)
    print(f"Simulator listening on http://{_url_host(args.host)}:{port}/v2", flush=True)
    print(f"API key: {config.api_keys[0]}", flush=True)
    print(f"Webhook public key: {app.state.webhooks.signer.public_key}", flush=True)
    try:
        _server(app, "warning").run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # Ctrl-C is how an operator stops it
    finally:
        sock.close()
        app.state.webhooks.close()
        app.state.sim.store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
