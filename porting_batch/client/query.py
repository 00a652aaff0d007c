"""Query parameters as the Porting V2 API reads them: nested filters as deepObject keys
(``filter[a][b]=v``), booleans as ``true``/``false``, datetimes as UTC ISO 8601, lists joined by
commas."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any


def encode_query(params: Mapping[str, Any]) -> dict[str, str]:
    """Nested filters as deepObject query parameters (``filter[a][b]=v``), dropping Nones."""
    out: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{prefix}[{key}]", inner)
            return
        out[prefix] = scalar(value)

    for name, value in params.items():
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{name}[{key}]", inner)
        elif value is not None:
            out[name] = scalar(value)
    return out


def scalar(value: Any) -> str:
    """One query value as the API expects it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, list | tuple):
        return ",".join(scalar(v) for v in value)
    return str(value)
