"""``PortingClient``: the one async client of the Telnyx Porting V2 API for a run.

One ``httpx.AsyncClient`` (HTTP/1.1, keep-alive pool sized to ``max_in_flight``, in small shards:
``porting_batch.client.pool``) per client; the transport is the only test seam. Every request
goes through ``_call``: pacing, one attempt, mapping to the ``ApiError`` tree, the retry policy
of ``porting_batch.client.retry``, and the per-kind counters in ``stats``.

This is the run's one retry layer; callers need no loop of their own. Each public call has one
budget of ``max_retries + 1`` failed requests, shared by every request sent on its behalf: the
write, its retries, and the look-ups that learn whether a write whose answer was lost landed
(orders found by reference, the order read after a confirm, documents found by reference and
checksum). The call gives up, raising the last error, when its budget is spent. So a server
answering 503 forever sees exactly ``max_retries + 1`` requests per call. Look-ups are bounded
too: one runs only after a failed write, and its own failures spend the same budget.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import mimetypes
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from porting_batch.client import retry
from porting_batch.client.config import DEFAULT_TIMEOUTS, Limits, Timeouts
from porting_batch.client.failures import (
    Redactor,
    decode_error,
    secrets_in,
    status_error,
    transport_error,
)
from porting_batch.client.models import (
    ActivationJob,
    Comment,
    CreatePortingOrder,
    CsrAdditionalData,
    CsrCoverage,
    CustomerServiceRecord,
    Document,
    FocWindow,
    PageMeta,
    PortabilityResult,
    PortingEvent,
    PortingOrder,
    PortingPhoneNumber,
    RequirementDetail,
    UpdatePortingOrder,
)
from porting_batch.client.pacing import Pacer
from porting_batch.client.pool import ShardedTransport
from porting_batch.errors import (
    ApiError,
    ConfigError,
    NoResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
)
from porting_batch.media import image_or_pdf_type
from porting_batch.settings import Settings

logger = logging.getLogger("porting_batch.client")

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")
Sleep = Callable[[float], Awaitable[object]]
Expect = Literal["json", "bytes", "none"]
OnSend = Callable[[], None]

#: Largest page the API serves; listing everything with it takes the fewest calls.
MAX_PAGE_SIZE = 250
#: Bytes read from a file to recognise its type.
SNIFF_BYTES = 16
#: Most documents without a checksum in their metadata downloaded to compare bytes, per look-up.
MAX_HASHLESS_DOWNLOADS = 3
#: The order status in which a confirm has not yet landed.
DRAFT = "draft"
#: The order statuses a confirm is accepted in; past them, the order was already submitted.
CONFIRMABLE = frozenset({DRAFT, "exception"})
USER_AGENT = "porting-batch"


@dataclass
class ClientStats:
    """What a client has done: calls per kind (method and route template), retries, 429s."""

    calls: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    rate_limited: int = 0
    adopted_orders: int = 0

    @property
    def total_calls(self) -> int:
        """All HTTP attempts made."""
        return sum(self.calls.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for reports and benchmarks."""
        return {
            "calls": dict(sorted(self.calls.items())),
            "total_calls": self.total_calls,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "adopted_orders": self.adopted_orders,
        }


@dataclass
class _Budget:
    """How many of one public call's requests may still fail, shared by its retries and by the
    look-ups that recover a write whose answer was lost."""

    limit: int
    failed: int = 0
    #: Run once, just before the call's first request goes on the wire (after pacing).
    on_send: OnSend | None = None
    #: An earlier request of the call may have been applied although it failed.
    in_doubt: bool = False

    @property
    def left(self) -> int:
        """Failures the call may still meet before it gives up."""
        return self.limit - self.failed


def _spending(budget: _Budget, parse: Callable[..., T], *args: Any) -> T:
    """Parse an answer; one the client cannot use is a failure like a 5xx, and spends the
    budget too, so a server answering garbage forever cannot keep a recovery loop going."""
    try:
        return parse(*args)
    except ServerError:
        budget.failed += 1
        budget.in_doubt = True
        raise


class _BudgetSpent(Exception):
    """A recovery look-up would need a request after the call's budget was spent."""


class PortingClient:
    """Async client of the port-in API: use as ``async with PortingClient(...) as client``."""

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
            transport=transport if transport is not None else ShardedTransport(self.limits),
            http2=False,
            follow_redirects=False,
        )

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        base_url: str | None = None,
        api_key: SecretStr | str | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> PortingClient:
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
        return f"PortingClient(base_url={self.base_url!r})"

    async def __aenter__(self) -> PortingClient:
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

    # --- portability ----------------------------------------------------------------------

    async def check_portability(self, numbers: Sequence[str]) -> list[PortabilityResult]:
        """Check every number, in chunks sent concurrently; results come back in input order."""
        numbers = list(numbers)
        size = self.check_chunk_size
        chunks = [numbers[i : i + size] for i in range(0, len(numbers), size)]
        # Every chunk runs to its end, so a failure never leaves siblings running unobserved.
        answers = await asyncio.gather(
            *(self._check_chunk(chunk) for chunk in chunks), return_exceptions=True
        )
        results: list[PortabilityResult] = []
        for answer in answers:
            if isinstance(answer, BaseException):
                raise answer
            results.extend(answer)
        return results

    async def _check_chunk(self, chunk: list[str]) -> list[PortabilityResult]:
        data = await self._call(
            "POST",
            "/portability_checks",
            json={"phone_numbers": chunk},
            idempotent=True,
        )
        results = self._parse_list(data, PortabilityResult, "POST", "/portability_checks")
        # Match by number, not by position: a verdict must never land on the wrong number.
        by_number = {_digits(result.phone_number): result for result in results}
        missing = [n for n in chunk if _digits(n) not in by_number]
        if missing:
            raise ServerError(
                f"POST /portability_checks answered for {len(results)} of {len(chunk)} numbers; "
                f"missing {', '.join(missing[:5])}{'…' if len(missing) > 5 else ''}",
                method="POST",
                path="/portability_checks",
                status_code=201,
            )
        return [by_number[_digits(number)] for number in chunk]

    # --- porting orders -------------------------------------------------------------------

    async def create_orders(
        self,
        phone_numbers: Sequence[str],
        *,
        customer_reference: str,
        customer_group_reference: str | None = None,
        on_send: OnSend | None = None,
    ) -> list[PortingOrder]:
        """Create draft order(s) for ``phone_numbers`` without ever duplicating them.

        ``customer_reference`` must be deterministic for this group of numbers. After an ambiguous
        failure (timeout or dropped connection after sending, 5xx) the orders are looked up by
        that reference and adopted if they exist; only if none exist is the create sent again.
        Creates and look-ups share the call's budget of ``max_retries + 1`` failures.
        ``on_send`` runs once, right before the first create goes on the wire.
        """
        if not customer_reference:
            raise ValueError(
                "create_orders needs a customer_reference: it is what prevents duplicates"
            )
        fields: dict[str, Any] = {"customer_reference": customer_reference}
        if customer_group_reference is not None:
            # The spec types it as a plain string: leave it out rather than send null.
            fields["customer_group_reference"] = customer_group_reference
        body = CreatePortingOrder(phone_numbers=list(phone_numbers), **fields).to_body()
        budget = self._budget(on_send)
        while True:
            try:
                data = await self._call("POST", "/porting_orders", json=body, budget=budget)
                return _spending(
                    budget, self._parse_list, data, PortingOrder, "POST", "/porting_orders"
                )
            except ApiError as error:
                if not retry.is_ambiguous(error) or budget.left <= 0:
                    raise
                await self._settle(error, budget, "create POST /porting_orders")
                found = await self._recover(
                    error, self._orders_by_reference(customer_reference, budget)
                )
                if found:
                    logger.debug(
                        "create POST /porting_orders: adopted %d existing order(s) by reference",
                        len(found),
                    )
                    self.stats.adopted_orders += len(found)
                    return found
                if budget.left <= 0:
                    raise error
                logger.debug("create POST /porting_orders: no order has the reference; retrying")
                self.stats.retries += 1

    async def find_orders_by_reference(self, customer_reference: str) -> list[PortingOrder]:
        """Every order carrying exactly ``customer_reference``."""
        return await self._orders_by_reference(customer_reference, None)

    async def _orders_by_reference(
        self, customer_reference: str, budget: _Budget | None
    ) -> list[PortingOrder]:
        params = encode_query({"filter": {"customer_reference": customer_reference}})
        return [
            order
            async for order in self._paginate(
                "/porting_orders", PortingOrder, params, MAX_PAGE_SIZE, budget=budget
            )
            if order.customer_reference == customer_reference
        ]

    async def list_orders(
        self,
        *,
        customer_reference: str | None = None,
        customer_group_reference: str | None = None,
        parent_support_key: str | None = None,
        country_code: str | None = None,
        carrier_name: str | None = None,
        phone_number_contains: str | None = None,
        misc_type: str | None = None,
        entity_name: str | None = None,
        auth_person_name: str | None = None,
        fast_port_eligible: bool | None = None,
        foc_requested_after: datetime | None = None,
        foc_requested_before: datetime | None = None,
        sort: str | None = None,
        include_phone_numbers: bool | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> AsyncIterator[PortingOrder]:
        """Every order matching the filters, across all pages."""
        filters = {
            "customer_reference": customer_reference,
            "customer_group_reference": customer_group_reference,
            "parent_support_key": parent_support_key,
            "phone_numbers": {
                "country_code": country_code,
                "carrier_name": carrier_name,
                "phone_number": {"contains": phone_number_contains},
            },
            "misc": {"type": misc_type},
            "end_user": {
                "admin": {"entity_name": entity_name, "auth_person_name": auth_person_name}
            },
            "activation_settings": {
                "fast_port_eligible": fast_port_eligible,
                "foc_datetime_requested": {"gt": foc_requested_after, "lt": foc_requested_before},
            },
        }
        params = encode_query({"filter": filters, "sort": {"value": sort}})
        if include_phone_numbers is not None:
            params["include_phone_numbers"] = _scalar(include_phone_numbers)
        async for order in self._paginate("/porting_orders", PortingOrder, params, page_size):
            yield order

    async def get_order(
        self, order_id: str, *, include_phone_numbers: bool | None = None
    ) -> PortingOrder:
        """One order."""
        params = (
            {}
            if include_phone_numbers is None
            else {"include_phone_numbers": _scalar(include_phone_numbers)}
        )
        return await self._one(
            "GET", "/porting_orders/{id}", PortingOrder, id=order_id, params=params
        )

    async def update_order(
        self,
        order_id: str,
        patch: Mapping[str, Any] | UpdatePortingOrder,
        *,
        on_send: OnSend | None = None,
    ) -> PortingOrder:
        """PATCH an order: fields left out keep their values, an explicit None clears one.

        A PATCH sets values, so sending it again changes nothing more: it is retried on a 5xx
        or a lost answer like a read, within the call's budget of ``max_retries + 1`` failures.
        ``on_send`` runs once, right before the first PATCH goes on the wire.
        """
        model = (
            patch
            if isinstance(patch, UpdatePortingOrder)
            else UpdatePortingOrder.model_validate(patch)
        )
        return await self._one(
            "PATCH",
            "/porting_orders/{id}",
            PortingOrder,
            id=order_id,
            json=model.to_body(),
            idempotent=True,
            budget=self._budget(on_send),
        )

    async def delete_order(self, order_id: str) -> None:
        """Delete a draft order; retried like a read, and a 404 after an attempt that may have
        landed means the order is already gone."""
        budget = self._budget()
        try:
            await self._call(
                "DELETE", "/porting_orders/{id}", id=order_id, expect="none", budget=budget
            )
        except NotFoundError:
            if not budget.in_doubt:
                raise
            logger.debug("DELETE /porting_orders/%s: gone after an answer was lost", order_id)

    async def confirm_order(self, order_id: str, *, on_send: OnSend | None = None) -> PortingOrder:
        """Submit an order (draft to in-process), exactly once.

        After a lost answer or a 5xx the order is read: if it is no longer a draft the confirm
        landed and the order is returned; if it still is, the confirm is sent again. Confirms and
        reads share the call's budget of ``max_retries + 1`` failures. ``on_send`` runs once,
        right before the first confirm goes on the wire.
        """
        route = "/porting_orders/{id}/actions/confirm"
        budget = self._budget(on_send)
        while True:
            try:
                return await self._one("POST", route, PortingOrder, id=order_id, budget=budget)
            except UnprocessableEntityError as error:
                # A confirm sent earlier (by a run that died with it in flight) may land just
                # before this one, which is then refused: the order being submitted is the
                # outcome this call wanted.
                order = await self._recover(
                    error,
                    self._one(
                        "GET", "/porting_orders/{id}", PortingOrder, id=order_id, budget=budget
                    ),
                )
                if order.status.value in CONFIRMABLE:
                    raise
                logger.debug("POST %s: already submitted (%s)", route, order.status.value)
                return order
            except ApiError as error:
                if not retry.is_ambiguous(error) or budget.left <= 0:
                    raise
                await self._settle(error, budget, f"POST {route}")
                order = await self._recover(
                    error,
                    self._one(
                        "GET", "/porting_orders/{id}", PortingOrder, id=order_id, budget=budget
                    ),
                )
                if order.status.value != DRAFT:
                    logger.debug("POST %s: the confirm had landed (%s)", route, order.status.value)
                    return order
                if budget.left <= 0:
                    raise error
                logger.debug("POST %s: the order is still a draft; confirming again", route)
                self.stats.retries += 1

    async def cancel_order(self, order_id: str) -> PortingOrder:
        """Ask to cancel an order."""
        return await self._one(
            "POST", "/porting_orders/{id}/actions/cancel", PortingOrder, id=order_id
        )

    async def activate_order(self, order_id: str) -> ActivationJob:
        """Activate a FastPort order now (inside its activation window)."""
        return await self._one(
            "POST", "/porting_orders/{id}/actions/activate", ActivationJob, id=order_id
        )

    async def allowed_foc_windows(self, order_id: str) -> list[FocWindow]:
        """The ranges the requested FOC date may fall in."""
        route = "/porting_orders/{id}/allowed_foc_windows"
        data = await self._call("GET", route, id=order_id)
        return self._parse_list(data, FocWindow, "GET", route)

    async def requirements(self, order_id: str) -> list[RequirementDetail]:
        """Every requirement of an order, with its status."""
        route = "/porting_orders/{id}/requirements"
        return [
            r
            async for r in self._paginate(route, RequirementDetail, {}, MAX_PAGE_SIZE, id=order_id)
        ]

    async def loa_template(
        self, order_id: str, *, loa_configuration_id: str | None = None
    ) -> bytes:
        """The pre-filled LOA of an order, as PDF bytes."""
        params = {"loa_configuration_id": loa_configuration_id} if loa_configuration_id else {}
        data = await self._call(
            "GET",
            "/porting_orders/{id}/loa_template",
            id=order_id,
            params=params,
            expect="bytes",
            accept="application/pdf",
        )
        assert isinstance(data, bytes)
        return data

    async def list_comments(self, order_id: str) -> list[Comment]:
        """Every comment on an order."""
        route = "/porting_orders/{id}/comments"
        return [c async for c in self._paginate(route, Comment, {}, MAX_PAGE_SIZE, id=order_id)]

    async def create_comment(self, order_id: str, body: str) -> Comment:
        """Add a comment to an order."""
        return await self._one(
            "POST", "/porting_orders/{id}/comments", Comment, id=order_id, json={"body": body}
        )

    async def list_events(
        self,
        *,
        porting_order_id: str | None = None,
        event_type: str | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[PortingEvent]:
        """Porting events, oldest filters first; every page."""
        params = encode_query(
            {
                "filter": {
                    "porting_order_id": porting_order_id,
                    "type": event_type,
                    "created_at": {"gte": created_after, "lte": created_before},
                }
            }
        )
        return [e async for e in self._paginate("/porting/events", PortingEvent, params, page_size)]

    async def list_porting_phone_numbers(
        self,
        *,
        porting_order_id: str | None = None,
        porting_order_status: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[PortingPhoneNumber]:
        """Numbers in porting orders, optionally of one order or one order status; every page."""
        params = encode_query(
            {
                "filter": {
                    "porting_order_id": porting_order_id,
                    "porting_order_status": porting_order_status,
                }
            }
        )
        return [
            n
            async for n in self._paginate(
                "/porting_phone_numbers", PortingPhoneNumber, params, page_size
            )
        ]

    async def order_phone_numbers(self, order_id: str) -> list[str]:
        """Every number of one order, from every page of ``/porting_phone_numbers``.

        An order's own answers show at most 50 of its numbers (``porting_phone_numbers_count``
        gives the true count); this reads them all.
        """
        numbers = await self.list_porting_phone_numbers(porting_order_id=order_id)
        # A number moved between pages while reading would otherwise appear twice.
        return list(dict.fromkeys(n.phone_number for n in numbers))

    # --- documents ------------------------------------------------------------------------

    async def upload_document(
        self,
        content: bytes | str | PathLike[str],
        *,
        filename: str | None = None,
        customer_reference: str | None = None,
        on_send: OnSend | None = None,
    ) -> Document:
        """Upload a document as multipart/form-data; its type is detected from its bytes.

        ``content`` is the bytes themselves (``filename`` is then required), so what is sent is
        exactly what the caller checked; a ``Path`` is read once (its name is the default
        ``filename``). With a ``customer_reference``, an upload whose answer is lost is looked up
        (``find_document``: same reference, same SHA-256) and adopted rather than sent twice;
        uploads and look-ups share the call's budget of ``max_retries + 1`` failures.
        ``on_send`` runs once, right before the first upload goes on the wire.
        """
        if isinstance(content, str | PathLike):
            path = Path(content)
            filename = filename or path.name
            content = await asyncio.to_thread(path.read_bytes)
        if not filename:
            raise ValueError("upload_document needs a filename when given the content in memory")
        body = bytes(content)
        content_type = _content_type(body[:SNIFF_BYTES], filename)
        name = filename

        def files(stack: ExitStack) -> dict[str, Any]:
            # A fresh reader per attempt: a retry sends the same bytes from their start.
            return {"file": (name, io.BytesIO(body), content_type)}

        data_fields = {"customer_reference": customer_reference} if customer_reference else None
        digest = hashlib.sha256(body).hexdigest()
        budget = self._budget(on_send)
        while True:
            try:
                data = await self._call(
                    "POST", "/documents", files=files, data=data_fields, budget=budget
                )
                return _spending(budget, self._parse_one, data, Document, "POST", "/documents")
            except ApiError as error:
                if not customer_reference or not retry.is_ambiguous(error) or budget.left <= 0:
                    raise
                await self._settle(error, budget, "upload POST /documents")
                found = await self._recover(
                    error, self._find_document(customer_reference, digest, name, budget)
                )
                if found is not None:
                    logger.debug("upload POST /documents: adopted a document by reference and hash")
                    return found
                if budget.left <= 0:
                    raise error
                logger.debug("upload POST /documents: %s and nothing landed; retrying", error)
                self.stats.retries += 1

    async def find_document(
        self, customer_reference: str, sha256: str, filename: str | None = None
    ) -> Document | None:
        """The document uploaded with exactly ``customer_reference`` whose bytes have this
        SHA-256, or None.

        Only documents under that reference (and whose name contains ``filename``, if given)
        are listed. A candidate whose metadata lacks a checksum is downloaded and hashed, at most
        ``MAX_HASHLESS_DOWNLOADS`` of them.
        """
        return await self._find_document(customer_reference, sha256, filename, None)

    async def _find_document(
        self, customer_reference: str, sha256: str, filename: str | None, budget: _Budget | None
    ) -> Document | None:
        wanted = sha256.lower()
        params = encode_query(
            {
                "filter": {
                    "customer_reference": {"eq": customer_reference},
                    "filename": {"contains": filename},
                }
            }
        )
        hashless: list[Document] = []
        async for document in self._paginate(
            "/documents", Document, params, MAX_PAGE_SIZE, budget=budget
        ):
            if document.customer_reference != customer_reference:
                continue
            if document.sha256 is None:
                hashless.append(document)
            elif document.sha256.lower() == wanted:
                return document
        for document in hashless[:MAX_HASHLESS_DOWNLOADS]:
            data = await self._call(
                "GET",
                "/documents/{id}/download",
                id=document.id,
                expect="bytes",
                accept="*/*",
                budget=budget,
            )
            if hashlib.sha256(data).hexdigest() == wanted:
                return document
        return None

    async def list_documents(
        self,
        *,
        customer_reference: str | None = None,
        filename_contains: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> list[Document]:
        """Uploaded documents, optionally by exact reference or part of the name; every page."""
        params = encode_query(
            {
                "filter": {
                    "customer_reference": {"eq": customer_reference},
                    "filename": {"contains": filename_contains},
                }
            }
        )
        return [d async for d in self._paginate("/documents", Document, params, page_size)]

    async def get_document(self, document_id: str) -> Document:
        """One document's metadata."""
        return await self._one("GET", "/documents/{id}", Document, id=document_id)

    async def download_document(self, document_id: str) -> bytes:
        """A document's raw bytes."""
        data = await self._call(
            "GET", "/documents/{id}/download", id=document_id, expect="bytes", accept="*/*"
        )
        assert isinstance(data, bytes)
        return data

    # --- customer service records ---------------------------------------------------------

    async def csr_coverage(self, phone_numbers: Sequence[str]) -> list[CsrCoverage]:
        """Which numbers have CSR coverage, and what the carrier needs to release it."""
        route = "/customer_service_records/phone_number_coverages"
        data = await self._call(
            "POST", route, json={"phone_numbers": list(phone_numbers)}, idempotent=True
        )
        return self._parse_list(data, CsrCoverage, "POST", route)

    async def create_csr(
        self,
        phone_number: str,
        *,
        additional_data: CsrAdditionalData | Mapping[str, Any] | None = None,
        webhook_url: str | None = None,
    ) -> CustomerServiceRecord:
        """Ask for one number's CSR (it completes later: poll with ``get_csr``)."""
        body: dict[str, Any] = {"phone_number": phone_number}
        if additional_data is not None:
            extra = (
                additional_data
                if isinstance(additional_data, CsrAdditionalData)
                else CsrAdditionalData.model_validate(additional_data)
            )
            body["additional_data"] = extra.to_body()
        if webhook_url:
            body["webhook_url"] = webhook_url
        return await self._one(
            "POST", "/customer_service_records", CustomerServiceRecord, json=body
        )

    async def get_csr(self, csr_id: str) -> CustomerServiceRecord:
        """One CSR request and, once completed, its result."""
        return await self._one(
            "GET", "/customer_service_records/{id}", CustomerServiceRecord, id=csr_id
        )

    # --- plumbing -------------------------------------------------------------------------

    async def _one(
        self,
        method: str,
        route: str,
        model: type[ModelT],
        *,
        budget: _Budget | None = None,
        **kwargs: Any,
    ) -> ModelT:
        budget = budget or self._budget()
        data = await self._call(method, route, budget=budget, **kwargs)
        return _spending(budget, self._parse_one, data, model, method, route)

    async def _paginate(
        self,
        route: str,
        model: type[ModelT],
        params: Mapping[str, str],
        page_size: int,
        id: str | None = None,
        budget: _Budget | None = None,
    ) -> AsyncIterator[ModelT]:
        """Every item of every page; each page is its own call unless ``budget`` is shared."""
        page = 1
        while True:
            query = {**params, "page[number]": str(page), "page[size]": str(page_size)}
            data = await self._call("GET", route, params=query, id=id, budget=budget)
            items = self._parse_list(data, model, "GET", route)
            for item in items:
                yield item
            meta = self._parse_meta(data)
            if not items or meta is None or meta.total_pages is None:
                return
            if meta.page_number >= meta.total_pages:
                return
            page = meta.page_number + 1

    def _budget(self, on_send: OnSend | None = None) -> _Budget:
        """A fresh budget for one public call."""
        return _Budget(limit=self.max_retries + 1, on_send=on_send)

    async def _settle(self, error: ApiError, budget: _Budget, what: str) -> None:
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
        except _BudgetSpent:
            raise write_error from None
        except ApiError as lookup_error:
            transient = isinstance(lookup_error, NoResponseError | RateLimitError)
            if transient or retry.is_server_failure(lookup_error):
                raise write_error from lookup_error
            raise

    async def _call(
        self,
        method: str,
        route: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        files: Callable[[ExitStack], dict[str, Any]] | None = None,
        data: Mapping[str, str] | None = None,
        expect: Expect = "json",
        accept: str | None = None,
        idempotent: bool | None = None,
        id: str | None = None,
        budget: _Budget | None = None,
    ) -> Any:
        """Send one logical request, with pacing and the retry policy; return the parsed body.

        Each failed attempt takes one from ``budget`` (the calling operation's, shared with its
        recovery look-ups; a fresh one of ``max_retries + 1`` if none is given).
        """
        if budget is None:
            budget = self._budget()
        path = route.format(id=quote(id, safe="")) if id is not None else route
        kind = f"{method} {route}"
        redact = self._redact.with_secrets(secrets_in(json)) if json is not None else self._redact
        headers = {"Accept": accept} if accept else None
        while True:
            if budget.left <= 0:
                raise _BudgetSpent(kind)
            response: httpx.Response | None = None
            error: ApiError
            with ExitStack() as stack:
                async with self._pacer.slot():
                    if budget.on_send is not None:
                        # The caller records its intent now that the request is about to go.
                        on_send, budget.on_send = budget.on_send, None
                        on_send()
                    self.stats.calls[kind] += 1
                    try:
                        response = await self._http.request(
                            method,
                            path.lstrip("/"),
                            params=params,
                            json=json,
                            files=files(stack) if files else None,
                            data=data,
                            headers=headers,
                        )
                    except httpx.RequestError as exc:
                        error = transport_error(exc, method=method, path=path)
                    else:
                        self._pacer.observe(response.status_code, response.headers)
            if response is not None:
                if response.is_success:
                    try:
                        return self._decode(response, expect, method, path, redact)
                    except ServerError as unreadable:
                        # Garbage under a 2xx (a proxy's page): retried like a 5xx on reads,
                        # and ambiguous on writes, which may well have landed.
                        error = unreadable
                else:
                    if response.status_code == 429:
                        self.stats.rate_limited += 1
                    error = status_error(response, method=method, path=path, redact=redact)
            budget.failed += 1
            if retry.is_ambiguous(error):
                budget.in_doubt = True
            decision = retry.decide(
                method,
                error,
                attempt=budget.failed,
                max_retries=budget.limit - 1,
                headers=response.headers if response is not None else None,
                idempotent=idempotent,
            )
            logger.debug(
                "%s %s attempt %d: %s -> %s (%s)",
                method,
                path,
                budget.failed,
                type(error).__name__,
                f"retry in {decision.delay:.3f}s" if decision.retry else "no retry",
                decision.reason,
            )
            if not decision.retry:
                raise error
            self.stats.retries += 1
            await self._sleep(decision.delay)

    def _decode(
        self, response: httpx.Response, expect: Expect, method: str, path: str, redact: Redactor
    ) -> Any:
        if expect == "none":
            return None
        if expect == "bytes":
            return response.content
        try:
            return response.json()
        except ValueError:
            content_type = response.headers.get("content-type", "no content type")
            raise decode_error(
                response, method=method, path=path, redact=redact, why=f"not JSON: {content_type}"
            ) from None

    def _parse_one(self, data: Any, model: type[ModelT], method: str, route: str) -> ModelT:
        payload = data.get("data") if isinstance(data, dict) else None
        return self._validate(model, payload, method, route)

    def _parse_list(self, data: Any, model: type[ModelT], method: str, route: str) -> list[ModelT]:
        payload = data.get("data") if isinstance(data, dict) else None
        if not isinstance(payload, list):
            raise ServerError(
                f"{method} {route} answered without a data list (got {type(payload).__name__})",
                method=method,
                path=route,
                status_code=200,
            )
        return [self._validate(model, item, method, route) for item in payload]

    def _parse_meta(self, data: Any) -> PageMeta | None:
        meta = data.get("meta") if isinstance(data, dict) else None
        if not isinstance(meta, dict):
            return None
        try:
            return PageMeta.model_validate(meta)
        except ValidationError:
            return None

    def _validate(self, model: type[ModelT], payload: Any, method: str, route: str) -> ModelT:
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
                for err in exc.errors(include_input=False, include_url=False)
            )
            raise ServerError(
                f"{method} {route} answered a {model.__name__} the client cannot use: {problems}",
                method=method,
                path=route,
                status_code=200,
            ) from None


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
        out[prefix] = _scalar(value)

    for name, value in params.items():
        if isinstance(value, Mapping):
            for key, inner in value.items():
                walk(f"{name}[{key}]", inner)
        elif value is not None:
            out[name] = _scalar(value)
    return out


def _digits(phone_number: str) -> str:
    """A number reduced to its digits, so '+1 312-555-0100' and '+13125550100' match."""
    return "".join(ch for ch in phone_number if ch.isdigit())


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, list | tuple):
        return ",".join(_scalar(v) for v in value)
    return str(value)


def detect_content_type(path: Path) -> str:
    """A file's media type: from its first bytes when recognisable, else from its name."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    return _content_type(head, path.name)


def _content_type(head: bytes, filename: str) -> str:
    known = image_or_pdf_type(head)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(filename)
    return guessed or "application/octet-stream"
