"""Porting orders: create (never twice), find, list, read, update, delete, confirm (exactly
once), cancel and activate."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from porting_batch.client import retry
from porting_batch.client.base import MAX_PAGE_SIZE, BaseClient
from porting_batch.client.budget import Budget, OnSend, spending
from porting_batch.client.decode import many_of, parse_list
from porting_batch.client.models import (
    ActivationJob,
    CreatePortingOrder,
    PortingOrder,
    UpdatePortingOrder,
)
from porting_batch.client.query import encode_query, scalar
from porting_batch.errors import ApiError, NotFoundError, UnprocessableEntityError

logger = logging.getLogger("porting_batch.client")

#: The order status in which a confirm has not yet landed.
DRAFT = "draft"
#: The order statuses a confirm is accepted in; past them, the order was already submitted.
CONFIRMABLE = frozenset({DRAFT, "exception"})


class OrdersMixin(BaseClient):
    """The porting-order calls of ``PortingClient``."""

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
                data = await self._call(
                    "POST",
                    "/porting_orders",
                    json=body,
                    budget=budget,
                    envelope=many_of(PortingOrder),
                )
                return spending(budget, parse_list, data, PortingOrder, "POST", "/porting_orders")
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
        self, customer_reference: str, budget: Budget | None
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
            params["include_phone_numbers"] = scalar(include_phone_numbers)
        async for order in self._paginate("/porting_orders", PortingOrder, params, page_size):
            yield order

    async def get_order(
        self, order_id: str, *, include_phone_numbers: bool | None = None
    ) -> PortingOrder:
        """One order."""
        params = (
            {}
            if include_phone_numbers is None
            else {"include_phone_numbers": scalar(include_phone_numbers)}
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

    async def confirm_order(
        self, order_id: str, *, on_send: OnSend | None = None, from_status: str = DRAFT
    ) -> PortingOrder:
        """Submit a draft, or resubmit an order in ``exception`` (``from_status``), exactly once.

        After a lost answer or a 5xx the order is read: if it has left ``from_status`` the
        confirm landed and the order is returned; if it has not, the confirm is sent again.
        Confirms and reads share the call's budget of ``max_retries + 1`` failures. ``on_send``
        runs once, right before the first confirm goes on the wire.
        """
        if from_status not in CONFIRMABLE:
            raise ValueError(f"only {sorted(CONFIRMABLE)} orders are confirmed, not {from_status}")
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
                # A draft that was confirmed can reach exception later, and an exception
                # resubmitted moves on from it: only the status it started in means not landed.
                if order.status.value != from_status:
                    logger.debug("POST %s: the confirm had landed (%s)", route, order.status.value)
                    return order
                if budget.left <= 0:
                    raise error
                logger.debug("POST %s: the order is still %s; confirming again", route, from_status)
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
