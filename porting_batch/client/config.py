"""Timeouts and connection limits as value objects with named defaults."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_READ_TIMEOUT_S = 30.0
DEFAULT_WRITE_TIMEOUT_S = 30.0
DEFAULT_POOL_TIMEOUT_S = 10.0

DEFAULT_MAX_CONNECTIONS = 16
DEFAULT_MAX_KEEPALIVE_CONNECTIONS = 16
DEFAULT_KEEPALIVE_EXPIRY_S = 30.0


@dataclass(frozen=True)
class Timeouts:
    """How long each phase of one HTTP attempt may take, in seconds."""

    connect: float = DEFAULT_CONNECT_TIMEOUT_S
    read: float = DEFAULT_READ_TIMEOUT_S
    write: float = DEFAULT_WRITE_TIMEOUT_S
    pool: float = DEFAULT_POOL_TIMEOUT_S

    def to_httpx(self) -> httpx.Timeout:
        """The equivalent ``httpx.Timeout``."""
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class Limits:
    """Connection-pool sizes for the one keep-alive client of a run."""

    max_connections: int = DEFAULT_MAX_CONNECTIONS
    max_keepalive_connections: int = DEFAULT_MAX_KEEPALIVE_CONNECTIONS
    keepalive_expiry: float = DEFAULT_KEEPALIVE_EXPIRY_S

    def to_httpx(self) -> httpx.Limits:
        """The equivalent ``httpx.Limits``."""
        return httpx.Limits(
            max_connections=self.max_connections,
            max_keepalive_connections=self.max_keepalive_connections,
            keepalive_expiry=self.keepalive_expiry,
        )


DEFAULT_TIMEOUTS = Timeouts()
DEFAULT_LIMITS = Limits()
