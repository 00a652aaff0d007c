"""The client's base: one connection pool, one retry layer, decoding, pagination and stats.

One ``httpx.AsyncClient`` (HTTP/1.1, keep-alive pool sized to ``max_in_flight``, its connections
kept by aiohttp: ``porting_batch.client.pool``) per client; the transport is the only test seam.
Every request goes through ``BaseClient._call``: pacing, one attempt, mapping to the ``ApiError``
tree, the retry policy of ``porting_batch.client.retry``, and the per-kind counters in
``stats``. The resource modules (``orders``, ``order_details``, ``documents``, ``portability``,
``csr``) build on it, and ``PortingClient`` puts them together.

This is the run's one retry layer; callers need no loop of their own. Each public call has one
budget of ``max_retries + 1`` failed requests, shared by every request sent on its behalf: the
write, its retries, and the look-ups that learn whether a write whose answer was lost landed
(orders found by reference, the order read after a confirm, documents found by reference and
checksum). The call gives up, raising the last error, when its budget is spent. So a server
answering 503 forever sees exactly ``max_retries + 1`` requests per call. Look-ups are bounded
too: one runs only after a failed write, and its own failures spend the same budget.

Requests are built by ``porting_batch.client.request`` rather than by ``AsyncClient.request``,
which costs several times more per call for the same request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import ExitStack
from functools import partial
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import SecretStr

from porting_batch.client import retry
from porting_batch.client.budget import Budget, BudgetSpent, OnSend, spending
from porting_batch.client.config import DEFAULT_TIMEOUTS, Limits, Timeouts
from porting_batch.client.decode import (
    Expect,
    ModelT,
    decode,
    many_of,
    one_of,
    parse_list,
    parse_meta,
    parse_one,
)
from porting_batch.client.failures import Redactor, secrets_in, status_error, transport_error
from porting_batch.client.pacing import Pacer
from porting_batch.client.pool import LeanCookies, PooledTransport
from porting_batch.client.request import Files, Request
from porting_batch.client.stats import ClientStats
from porting_batch.errors import (
    ApiError,
    ConfigError,
    NoResponseError,
    RateLimitError,
    ServerError,
)
from porting_batch.settings import Settings

logger = logging.getLogger("porting_batch.client")

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[object]]

#: Largest page the API serves; listing everything with it takes the fewest calls.
MAX_PAGE_SIZE = 250
USER_AGENT = "porting-batch"


class BaseClient:
    """Transport, pacing, retries and decoding shared by every resource of the API."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: SecretStr | str,
        transport: httpx.AsyncBaseTransport | None = None,
        timeouts: Timeouts = DEFAULT_TIMEOUTS,
        limits: Limits | None = None,
        requests_per_second: float | None = None,
        max_in_flight: int = 8,
        max_retries: int = 4,
        check_chunk_size: int = 100,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        if not key.get_secret_value():
            raise ConfigError("the API key is empty", hint="set PORTING_API_KEY")
        if check_chunk_size < 1:
            raise ConfigError(f"check_chunk_size must be at least 1, got {check_chunk_size}")
        if max_retries < 0:
            raise ConfigError(f"max_retries must be 0 or more, got {max_retries}")
        self.base_url = base_url.rstrip("/")
        # The pacer lets max_in_flight requests out at once; a smaller pool would queue them
        # (and time out in the queue), so the pool is as large unless the caller sizes it.
        self.limits = limits or Limits(
            max_connections=max_in_flight, max_keepalive_connections=max_in_flight
        )
        self.max_retries = max_retries
        self.check_chunk_size = check_chunk_size
        self.stats = ClientStats()
        self._api_key = key
        self._redact = Redactor([key.get_secret_value()])
        self._sleep = sleep
        self._pacer = Pacer(
            requests_per_second=requests_per_second,
            max_in_flight=max_in_flight,
            sleep=sleep,
            clock=clock,
        )
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/",
            headers={
                "Authorization": f"Bearer {key.get_secret_value()}",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=timeouts.to_httpx(),
            limits=self.limits.to_httpx(),
            transport=transport if transport is not None else PooledTransport(self.limits),
            http2=False,
            follow_redirects=False,
        )
        # httpx reads every response for cookies; the lean jar skips those that set none.
        self._http._cookies = LeanCookies(self._http.cookies.jar)
        self._url_prefix = str(self._http.base_url)
        self._extensions = {"timeout": self._http.timeout.as_dict()}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        base_url: str | None = None,
        api_key: SecretStr | str | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> Self:
        """A client configured from the run's settings; ``base_url``/``api_key`` override them
        (for a simulator started by the command)."""
        key = api_key if api_key is not None else settings.api_key
        if key is None:
            raise ConfigError(
                "no API key: PORTING_API_KEY is not set",
                hint="set PORTING_API_KEY, or pass the simulator's key",
            )
        return cls(
            base_url=base_url or settings.api_base_url,
            api_key=key,
            transport=transport,
            timeouts=Timeouts(connect=settings.connect_timeout_s, read=settings.read_timeout_s),
            requests_per_second=settings.requests_per_second,
            max_in_flight=settings.max_in_flight,
            max_retries=settings.max_retries,
            check_chunk_size=settings.check_chunk_size,
            sleep=sleep,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # --- calls and their budgets ----------------------------------------------------------

    def _budget(self, on_send: OnSend | None = None) -> Budget:
        """A fresh budget for one public call."""
        return Budget(limit=self.max_retries + 1, on_send=on_send)

    async def _settle(self, error: ApiError, budget: Budget, what: str) -> None:
        """Give the server time to finish what it may have started before looking for it."""
        delay = retry.backoff_delay(budget.failed)
        logger.debug(
            "%s: %s; looking for what landed in %.3fs (%d of %d failures)",
            what,
            type(error).__name__,
            delay,
            budget.failed,
            budget.limit,
        )
        await self._sleep(delay)

    async def _recover(self, write_error: ApiError, look_up: Awaitable[T]) -> T:
        """Run a look-up that decides a write in doubt; if it cannot finish within the budget,
        the write's own error is raised (with the look-up's as its cause)."""
        try:
            return await look_up
        except BudgetSpent:
            raise write_error from None
        except ApiError as lookup_error:
            transient = isinstance(lookup_error, NoResponseError | RateLimitError)
            if transient or retry.is_server_failure(lookup_error):
                raise write_error from lookup_error
            raise

    async def _one(
        self,
        method: str,
        route: str,
        model: type[ModelT],
        *,
        budget: Budget | None = None,
        **kwargs: Any,
    ) -> ModelT:
        """One call answering one ``model``; an unusable answer spends the budget."""
        budget = budget or self._budget()
        data = await self._call(method, route, budget=budget, envelope=one_of(model), **kwargs)
        return spending(budget, parse_one, data, model, method, route)

    async def _list(
        self, method: str, route: str, model: type[ModelT], **kwargs: Any
    ) -> list[ModelT]:
        """One call answering a list of ``model`` (a single page)."""
        data = await self._call(method, route, envelope=many_of(model), **kwargs)
        return parse_list(data, model, method, route)

    async def _paginate(
        self,
        route: str,
        model: type[ModelT],
        params: Mapping[str, str],
        page_size: int,
        id: str | None = None,
        budget: Budget | None = None,
    ) -> AsyncIterator[ModelT]:
        """Every item of every page; each page is its own call unless ``budget`` is shared."""
        envelope = many_of(model)
        page = 1
        while True:
            query = {**params, "page[number]": str(page), "page[size]": str(page_size)}
            data = await self._call(
                "GET", route, params=query, id=id, budget=budget, envelope=envelope
            )
            items = parse_list(data, model, "GET", route)
            for item in items:
                yield item
            meta = parse_meta(data)
            if not items or meta is None or meta.total_pages is None:
                return
            if meta.page_number >= meta.total_pages:
                return
            page = meta.page_number + 1

    # --- one logical request --------------------------------------------------------------

    async def _call(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        files: Files | None = None,
        data: Mapping[str, str] | None = None,
        expect: Expect = "json",
        accept: str | None = None,
        idempotent: bool | None = None,
        id: str | None = None,
        budget: Budget | None = None,
        envelope: type[Any] | None = None,
    ) -> Any:
        """Send one logical request, with pacing and the retry policy; return the parsed body
        (validated into ``envelope`` when it fits, else plain JSON for the caller to diagnose).

        Each failed attempt takes one from ``budget`` (the calling operation's, shared with its
        recovery look-ups; a fresh one of ``max_retries + 1`` if none is given).
        """
        if budget is None:
            budget = self._budget()
        request = Request.build(
            self._url_prefix,
            self._http.headers,
            method,
            route,
            id=id,
            params=params,
            accept=accept,
            json=json,
            files=files,
            data=data,
        )

        redaction = partial(self._redactor, json)
        while True:
            if budget.left <= 0:
                raise BudgetSpent(request.kind)
            response = await self._attempt(request, budget)
            if not isinstance(response, httpx.Response):
                await self._after_failure(request, response, None, budget, idempotent)
                continue
            if response.is_success:
                try:
                    return decode(response, expect, method, request.path, envelope, redaction)
                except ServerError as unreadable:
                    # Garbage under a 2xx (a proxy's page): retried like a 5xx on reads,
                    # and ambiguous on writes, which may well have landed.
                    error: ApiError = unreadable
            else:
                if response.status_code == 429:
                    self.stats.rate_limited += 1
                error = status_error(response, method=method, path=request.path, redact=redaction())
            await self._after_failure(request, error, response, budget, idempotent)

    async def _attempt(self, request: Request, budget: Budget) -> httpx.Response | ApiError:
        """One attempt, when pacing allows: the response, or the error of getting none."""
        with ExitStack() as stack:
            async with self._pacer.slot():
                if budget.on_send is not None:
                    # The caller records its intent now that the request is about to go.
                    on_send, budget.on_send = budget.on_send, None
                    on_send()
                self.stats.calls[request.kind] += 1
                try:
                    outgoing = request.to_httpx(stack, self._extensions)
                    if self._http.cookies:
                        self._http.cookies.set_cookie_header(outgoing)
                    response = await self._http.send(outgoing)
                except httpx.RequestError as exc:
                    return transport_error(exc, method=request.method, path=request.path)
                self._pacer.observe(response.status_code, response.headers)
                return response

    async def _after_failure(
        self,
        request: Request,
        error: ApiError,
        response: httpx.Response | None,
        budget: Budget,
        idempotent: bool | None,
    ) -> None:
        """Spend the budget on a failed attempt; wait before the next one, or raise ``error``."""
        budget.failed += 1
        if retry.is_ambiguous(error):
            budget.in_doubt = True
        decision = retry.decide(
            request.method,
            error,
            attempt=budget.failed,
            max_retries=budget.limit - 1,
            headers=response.headers if response is not None else None,
            idempotent=idempotent,
        )
        logger.debug(
            "%s %s attempt %d: %s -> %s (%s)",
            request.method,
            request.path,
            budget.failed,
            type(error).__name__,
            f"retry in {decision.delay:.3f}s" if decision.retry else "no retry",
            decision.reason,
        )
        if not decision.retry:
            raise error
        self.stats.retries += 1
        await self._sleep(decision.delay)

    def _redactor(self, json: Any) -> Redactor:
        """The redactor for a request's error messages: the key, and any secret in its body.

        Built only when an error needs it, so a successful call never walks its body.
        """
        return self._redact.with_secrets(secrets_in(json)) if json is not None else self._redact
