"""HTTP plumbing: JSON answers, query parsing, and the middleware for keys, limits and faults."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from porting_batch.simulator.limits import FaultDice
from porting_batch.simulator.problems import Problem, error
from porting_batch.simulator.state import SimState

MAX_PAGE_SIZE = 250
ADMIN_PREFIX = "/_simulator"
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class SimulatedDrop(httpx.RemoteProtocolError):
    """Raised after the response has started so the server closes the connection mid-answer.

    It is an httpx transport error so that a client over ``httpx.ASGITransport`` (which
    re-raises app exceptions) sees what it would see over a real socket.
    """


class JSON(JSONResponse):
    """Compact JSON (the default separators waste bytes and time)."""

    def render(self, content: Any) -> bytes:
        """Serialise without spaces."""
        return json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def problem_response(problem: Problem) -> Response:
    """The JSON:API error response of a Problem."""
    return JSON(problem.body(), status_code=problem.status, headers=problem.headers)


async def json_body(request: Request) -> Any:
    """The request's JSON body, or a 422 pointing at the whole document."""
    raw = await request.body()
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise Problem(422, [error("10015", f"The request body is not valid JSON: {exc}.")]) from exc


def page_params(request: Request) -> tuple[int, int]:
    """``page[number]`` and ``page[size]``, checked (size at most 250)."""
    query = request.query_params
    values = []
    for name, default, highest in (("number", 1, None), ("size", 20, MAX_PAGE_SIZE)):
        raw = query.get(f"page[{name}]", str(default))
        try:
            value = int(raw)
        except ValueError:
            value = 0
        if value < 1 or (highest is not None and value > highest):
            limit = f" and at most {highest}" if highest else ""
            raise Problem(
                422,
                [
                    error(
                        "10015",
                        f"page[{name}] must be a whole number of at least 1{limit}; got {raw!r}.",
                        parameter=f"page[{name}]",
                    )
                ],
            )
        values.append(value)
    return values[0], values[1]


def paginate(items: list[Any], number: int, size: int) -> tuple[list[Any], dict[str, int]]:
    """One page of ``items`` and its ``meta`` block."""
    total = len(items)
    start = (number - 1) * size
    return items[start : start + size], {
        "page_number": number,
        "page_size": size,
        "total_pages": max(1, math.ceil(total / size)),
        "total_results": total,
    }


def filters(request: Request) -> dict[str, list[str]]:
    """Every ``filter[...]`` parameter under a dotted name, in both array forms.

    ``filter[status]=a,b``, ``filter[status][]=a&filter[status][]=b``,
    ``filter[status][in][]=a`` and ``filter[phone_numbers][phone_number][contains]=5`` all
    work; the last becomes ``phone_numbers.phone_number.contains``.
    """
    found: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        if not key.startswith("filter["):
            continue
        parts = [part for part in key[len("filter[") :].rstrip("]").split("][")]
        while parts and parts[-1] in {"", "in", "eq"}:
            parts.pop()
        name = ".".join(parts)
        found.setdefault(name, []).append(value)
    return found


def split_values(values: list[str] | None) -> list[str] | None:
    """Array filter values, accepting the comma form too."""
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        out.extend(part for part in value.split(",") if part)
    return out


def bool_param(request: Request, name: str, default: bool) -> bool:
    """A true/false query parameter."""
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw.lower() in {"true", "1"}:
        return True
    if raw.lower() in {"false", "0"}:
        return False
    raise Problem(422, [error("10015", f"{name} must be true or false.", parameter=name)])


class SimulatorMiddleware:
    """Auth, rate limit, latency and faults in front of every ``/v2`` route; auth alone in
    front of the admin routes."""

    def __init__(self, app: ASGIApp, state: SimState) -> None:
        self.app = app
        self.state = state
        self.dice = FaultDice(state.config.seed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(ADMIN_PREFIX):
            # The admin routes reset and drive the simulator: the API key guards them too, but
            # faults, latency and the rate limit never get in the way of a test's set-up.
            if not self._authorised(scope):
                await _send_unauthorised(send)
                return
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http" or not scope["path"].startswith("/v2"):
            await self.app(scope, receive, send)
            return
        state = self.state
        faults = state.faults
        if faults.latency.enabled:
            await asyncio.sleep(self.dice.latency_s(faults))
        key = _bearer(scope)
        if key is None or key not in state.config.api_keys:
            await _send_unauthorised(send)
            return
        allowed, limit_headers = state.limiter.take(key)
        if not allowed:
            body = {
                "errors": [
                    error(
                        "10011",
                        "You have exceeded the maximum number of allowed requests.",
                        title="Too many requests",
                    )
                ]
            }
            await _send_json(send, 429, body, limit_headers)
            return
        early = self.dice.before(faults)
        if early == "error":
            await _send_server_error(send, self.dice.status(), limit_headers)
            return
        if early == "drop":
            await _drop(send)
        lost = self.dice.lost(faults) if scope["method"] in WRITE_METHODS else None
        state.refresh()
        state.tick()

        async def send_with_headers(message: Message) -> None:
            if lost is not None:
                return  # the work happens, the answer never reaches the client
            if message["type"] == "http.response.start" and limit_headers:
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in limit_headers.items()]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            state.store.flush()
        if lost == "error":
            await _send_server_error(send, self.dice.status(), limit_headers)
        elif lost == "drop":
            await _drop(send)

    def _authorised(self, scope: Scope) -> bool:
        key = _bearer(scope)
        return key is not None and key in self.state.config.api_keys


async def _send_unauthorised(send: Send) -> None:
    body = {
        "errors": [
            {
                **error(
                    "10009",
                    "The required authentication headers were either invalid or not included "
                    "in the request.",
                ),
                "source": {"pointer": "/"},
            }
        ]
    }
    await _send_json(send, 401, body, {})


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            text = value.decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip()
    return None


async def _send_json(send: Send, status: int, body: Any, headers: dict[str, str]) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    raw_headers += [(k.encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


async def _send_server_error(send: Send, status: int, headers: dict[str, str]) -> None:
    titles = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    body = {
        "errors": [
            error(
                "10007",
                "An unexpected error occurred (injected by the simulator).",
                title=titles[status],
            )
        ]
    }
    await _send_json(send, status, body, headers)


async def _drop(send: Send) -> None:
    # Start an answer that promises a body, then fail: servers close the connection, and
    # httpx's ASGITransport re-raises, so a client sees a broken connection either way.
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
        }
    )
    raise SimulatedDrop("connection dropped by the simulator (fault injection)")
