"""How a simulator is set up: keys, scenario, clock, rate limit, faults and state file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

DEFAULT_API_KEY = "KEYSIMULATOR"

Profile = Literal["lenient", "realistic"]
PROFILES: tuple[str, ...] = ("lenient", "realistic")
#: The profile when neither the config nor the scenario names one.
DEFAULT_PROFILE: Profile = "realistic"
#: Telnyx publishes no number for the porting endpoints (docs/simulator.md, "Limits"): a
#: modest per-key limit makes a client meet 429s and the x-ratelimit-* headers early.
REALISTIC_RATE_LIMIT_PER_S = 20.0
REALISTIC_RATE_LIMIT_BURST = 40.0
#: Share of submissions a carrier rejects for reasons the order's data cannot explain.
REALISTIC_RANDOM_REJECTION_RATE = 0.03
#: Share of submitted orders that Telnyx porting ops split (Telnyx publishes no rate).
REALISTIC_OPS_SPLIT_RATE = 0.02


@dataclass
class Latency:
    """Added latency per request: fixed ``ms``, or ``uniform`` between ``min_ms`` and ``max_ms``,
    or ``exponential`` with mean ``ms``."""

    ms: float = 0.0
    distribution: str = "fixed"  # fixed | uniform | exponential
    min_ms: float = 0.0
    max_ms: float = 0.0

    @property
    def enabled(self) -> bool:
        """Whether any latency is added at all."""
        if self.distribution == "uniform":
            return self.max_ms > 0
        return self.ms > 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as the admin endpoint shows it."""
        return {
            "ms": self.ms,
            "distribution": self.distribution,
            "min_ms": self.min_ms,
            "max_ms": self.max_ms,
        }

    @classmethod
    def from_value(cls, value: Any) -> Latency:
        """Build from a number of milliseconds, a dict, or an existing Latency."""
        if isinstance(value, Latency):
            return value
        if value is None:
            return cls()
        if isinstance(value, int | float):
            return cls(ms=float(value))
        if isinstance(value, dict):
            distribution = str(value.get("distribution", "fixed"))
            if distribution not in {"fixed", "uniform", "exponential"}:
                raise ValueError(
                    f"latency distribution {distribution!r} is not one of fixed, uniform, "
                    "exponential"
                )
            return cls(
                ms=float(value.get("ms", 0.0)),
                distribution=distribution,
                min_ms=float(value.get("min_ms", 0.0)),
                max_ms=float(value.get("max_ms", 0.0)),
            )
        raise ValueError(f"latency {value!r} is neither a number of ms nor an object")


@dataclass
class Faults:
    """Probabilities (0..1) of injected failures, drawn per API request.

    ``error_rate``: answer 500, 502 or 503 without applying the request.
    ``drop_rate``: drop the connection without applying the request.
    ``lost_response_rate``: apply the request, then answer a 5xx or drop the connection.
    ``only_writes``: lost responses only ever hit POST/PATCH/DELETE (reads are harmless anyway).
    """

    error_rate: float = 0.0
    drop_rate: float = 0.0
    lost_response_rate: float = 0.0
    latency: Latency = field(default_factory=Latency)

    def to_dict(self) -> dict[str, Any]:
        """JSON form, as ``GET /_simulator/faults`` shows it."""
        return {
            "error_rate": self.error_rate,
            "drop_rate": self.drop_rate,
            "lost_response_rate": self.lost_response_rate,
            "latency": self.latency.to_dict(),
        }

    def update(self, data: dict[str, Any]) -> None:
        """Change the fields present in ``data``; refuse unknown names and bad probabilities."""
        known = {"error_rate", "drop_rate", "lost_response_rate", "latency", "latency_ms"}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; known: {sorted(known)}")
        for name in ("error_rate", "drop_rate", "lost_response_rate"):
            if name in data:
                value = float(data[name])
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"{name} must be between 0 and 1, got {value}")
                setattr(self, name, value)
        if "latency" in data:
            self.latency = Latency.from_value(data["latency"])
        if "latency_ms" in data:
            self.latency = Latency.from_value(data["latency_ms"])

    @classmethod
    def from_value(cls, value: Any) -> Faults:
        """Build from a dict (same keys as :meth:`update`), None, or an existing Faults."""
        if isinstance(value, Faults):
            return value
        faults = cls()
        if value:
            faults.update(dict(value))
        return faults


@dataclass
class SimulatorConfig:
    """Everything a simulator instance needs; the defaults make a realistic simulator (carrier
    checks, seeded rejections, 20 requests/s) with no injected faults or latency."""

    api_keys: tuple[str, ...] = (DEFAULT_API_KEY,)
    scenario: Path | dict[str, Any] | None = None
    latency_ms: float | dict[str, Any] | Latency | None = None
    rate_limit_per_s: float | None = None
    rate_limit_burst: float | None = None
    faults: Faults | dict[str, Any] | None = None
    state_file: Path | None = None
    clock_speed: float = 1.0
    seed: int = 0
    start_time: str | None = None  # ISO-8601 simulated start; default: real now
    csr_delay_s: float = 5.0
    # Loopback URLs (``http://127.0.0.1:PORT[/path]``) allowed to receive webhooks. Empty: no
    # webhook is ever sent, since an order's webhook_url comes from operator input and could
    # name any local service, the simulator included.
    webhook_receivers: tuple[str, ...] = ()
    # Base64 of the 32-byte Ed25519 seed that signs webhooks (a fixed public key for tests and
    # long-lived set-ups). None: a fresh key pair at each start, its public key printed.
    webhook_signing_key: str | None = None
    # "realistic" fails the way Telnyx does (carrier records, rejections, rate limit, filter
    # checks); "lenient" says yes to everything. None: the scenario's "profile" key, else
    # realistic, so every feature is built and tested against Telnyx's failures (issue 15).
    profile: Profile | None = None
    # None: the profile's default (0 lenient, REALISTIC_RANDOM_REJECTION_RATE realistic).
    random_rejection_rate: float | None = None
    # Share of submitted orders porting ops split in two (porting_order.split). None: the
    # profile's default (0 lenient, REALISTIC_OPS_SPLIT_RATE realistic).
    ops_split_rate: float | None = None

    def effective_profile(self, scenario_profile: str | None = None) -> Profile:
        """The profile in force: this config's, else the scenario file's, else realistic."""
        chosen = self.profile or scenario_profile or DEFAULT_PROFILE
        if chosen not in PROFILES:
            raise ValueError(f"profile {chosen!r} is not one of {', '.join(PROFILES)}")
        return "realistic" if chosen == "realistic" else "lenient"

    def build_faults(self) -> Faults:
        """The effective fault settings: ``faults`` plus ``latency_ms``."""
        faults = Faults.from_value(self.faults)
        faults = Faults(
            error_rate=faults.error_rate,
            drop_rate=faults.drop_rate,
            lost_response_rate=faults.lost_response_rate,
            latency=faults.latency,
        )
        if self.latency_ms is not None:
            faults.latency = Latency.from_value(self.latency_ms)
        return faults
