"""Per-key token buckets and the fault dice."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from porting_batch.simulator.config import Faults


@dataclass
class Bucket:
    """One API key's tokens."""

    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per API key: ``rate`` tokens a second, holding at most ``burst``."""

    def __init__(self, rate: float | None, burst: float | None = None) -> None:
        self.rate = rate
        self.burst = max(1.0, burst if burst is not None else (rate or 1.0))
        self._buckets: dict[str, Bucket] = {}

    def take(self, key: str) -> tuple[bool, dict[str, str]]:
        """Spend a token if there is one; returns whether allowed and the headers to send."""
        if self.rate is None:
            return True, {}
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(tokens=self.burst, updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        reset = math.ceil((self.burst - bucket.tokens) / self.rate)
        headers = {
            "x-ratelimit-limit": str(int(self.burst)),
            "x-ratelimit-remaining": str(int(bucket.tokens)),
            "x-ratelimit-reset": str(reset),
        }
        if not allowed:
            headers["retry-after"] = str(max(1, math.ceil((1.0 - bucket.tokens) / self.rate)))
        return allowed, headers


class FaultDice:
    """Seeded draws deciding each request's latency and injected failure."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - reproducible fault draws, not secrets

    def latency_s(self, faults: Faults) -> float:
        """Seconds to wait before answering."""
        latency = faults.latency
        if latency.distribution == "uniform":
            return self._rng.uniform(latency.min_ms, latency.max_ms) / 1000.0
        if latency.distribution == "exponential":
            return self._rng.expovariate(1.0 / latency.ms) / 1000.0 if latency.ms > 0 else 0.0
        return latency.ms / 1000.0

    def before(self, faults: Faults) -> str | None:
        """``"error"``, ``"drop"`` or None: a failure that stops the request from applying."""
        if faults.error_rate <= 0 and faults.drop_rate <= 0:
            return None
        draw = self._rng.random()
        if draw < faults.error_rate:
            return "error"
        if draw < faults.error_rate + faults.drop_rate:
            return "drop"
        return None

    def lost(self, faults: Faults) -> str | None:
        """``"error"`` or ``"drop"`` when this (applied) write's answer is to be lost."""
        if faults.lost_response_rate <= 0 or self._rng.random() >= faults.lost_response_rate:
            return None
        return "error" if self._rng.random() < 0.5 else "drop"

    def status(self) -> int:
        """Which 5xx to answer."""
        return self._rng.choice((500, 502, 503))
