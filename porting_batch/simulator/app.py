"""The ASGI app: every simulated route under ``/v2`` and the admin routes under ``/_simulator``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from porting_batch.simulator import (
    admin,
    associated,
    document_routes,
    event_routes,
    number_routes,
    order_routes,
    order_sub_routes,
    requirement_routes,
)
from porting_batch.simulator import csr as csr_ops
from porting_batch.simulator.config import SimulatorConfig
from porting_batch.simulator.handlers import CATCH_ALL, not_simulated
from porting_batch.simulator.http import (
    SimulatorMiddleware,
)
from porting_batch.simulator.state import SimState
from porting_batch.simulator.webhooks import WebhookPolicy, WebhookSender, WebhookSigner

V2 = "/v2"
ORDER = f"{V2}/porting_orders/{{id}}"
ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _routes() -> list[Route]:
    """Every route, the catch-all last so that it answers only what nothing else does."""
    return [
        *_order_routes(),
        *_order_sub_routes(),
        *_number_and_event_routes(),
        *_document_routes(),
        *_admin_routes(),
        Route(CATCH_ALL, not_simulated, methods=ALL_METHODS),
    ]


def _order_routes() -> list[Route]:
    return [
        Route(f"{V2}/portability_checks", order_routes.portability_checks, methods=["POST"]),
        Route(f"{V2}/porting_orders", order_routes.list_porting_orders, methods=["GET"]),
        Route(f"{V2}/porting_orders", order_routes.create_porting_orders, methods=["POST"]),
        # These two come before ORDER, which would take their last segment for an order id.
        Route(
            f"{V2}/porting_orders/exception_types", order_routes.exception_types, methods=["GET"]
        ),
        Route(
            f"{V2}/porting_orders/phone_number_configurations",
            number_routes.list_phone_number_configurations,
            methods=["GET"],
        ),
        Route(ORDER, order_routes.get_porting_order, methods=["GET"]),
        Route(ORDER, order_routes.patch_porting_order, methods=["PATCH"]),
        Route(ORDER, order_routes.delete_porting_order, methods=["DELETE"]),
        *(
            Route(f"{ORDER}/actions/{action}", order_routes.order_action, methods=["POST"])
            for action in ("confirm", "cancel", "activate")
        ),
        Route(f"{ORDER}/allowed_foc_windows", order_routes.allowed_foc_windows, methods=["GET"]),
        Route(f"{ORDER}/requirements", requirement_routes.order_requirements, methods=["GET"]),
        Route(f"{ORDER}/loa_template", order_routes.loa_template, methods=["GET"]),
        Route(f"{ORDER}/sub_request", order_routes.sub_request, methods=["GET"]),
    ]


def _order_sub_routes() -> list[Route]:
    documents = f"{ORDER}/additional_documents"
    jobs = f"{ORDER}/activation_jobs"
    associated_path = f"{V2}/porting_orders/{{porting_order_id}}/associated_phone_numbers"
    return [
        Route(f"{ORDER}/comments", order_sub_routes.list_comments, methods=["GET"]),
        Route(f"{ORDER}/comments", order_sub_routes.create_comment, methods=["POST"]),
        Route(documents, order_sub_routes.list_additional_documents, methods=["GET"]),
        Route(documents, order_sub_routes.create_additional_documents, methods=["POST"]),
        Route(
            f"{documents}/{{additional_document_id}}",
            order_sub_routes.delete_additional_document,
            methods=["DELETE"],
        ),
        Route(associated_path, associated.list_associated, methods=["GET"]),
        Route(associated_path, associated.create_associated, methods=["POST"]),
        Route(f"{associated_path}/{{id}}", associated.delete_associated, methods=["DELETE"]),
        Route(jobs, order_sub_routes.list_activation_jobs, methods=["GET"]),
        Route(f"{jobs}/{{job_id}}", order_sub_routes.get_activation_job, methods=["GET"]),
    ]


def _number_and_event_routes() -> list[Route]:
    events = f"{V2}/porting/events"
    return [
        Route(
            f"{V2}/porting_phone_numbers", number_routes.list_porting_phone_numbers, methods=["GET"]
        ),
        Route(
            f"{V2}/requirement_types", requirement_routes.list_requirement_types, methods=["GET"]
        ),
        Route(
            f"{V2}/requirement_types/{{id}}",
            requirement_routes.get_requirement_type,
            methods=["GET"],
        ),
        Route(events, event_routes.list_events, methods=["GET"]),
        Route(f"{events}/{{id}}", event_routes.get_event, methods=["GET"]),
        Route(f"{events}/{{id}}/republish", event_routes.republish_event, methods=["POST"]),
    ]


def _document_routes() -> list[Route]:
    documents = f"{V2}/documents"
    csrs = f"{V2}/customer_service_records"
    return [
        Route(documents, document_routes.list_documents, methods=["GET"]),
        Route(documents, document_routes.upload_document, methods=["POST"]),
        Route(f"{documents}/{{id}}", document_routes.get_document, methods=["GET"]),
        Route(f"{documents}/{{id}}", document_routes.patch_document, methods=["PATCH"]),
        Route(f"{documents}/{{id}}", document_routes.delete_document, methods=["DELETE"]),
        Route(f"{documents}/{{id}}/download", document_routes.download_document, methods=["GET"]),
        Route(f"{csrs}/phone_number_coverages", document_routes.csr_coverage, methods=["POST"]),
        Route(csrs, document_routes.create_csr, methods=["POST"]),
        Route(csrs, document_routes.list_csrs, methods=["GET"]),
        Route(f"{csrs}/{{id}}", document_routes.get_csr, methods=["GET"]),
    ]


def _admin_routes() -> list[Route]:
    return [
        Route("/_simulator/clock", admin.admin_clock, methods=["GET"]),
        Route("/_simulator/clock/advance", admin.admin_advance, methods=["POST"]),
        Route("/_simulator/faults", admin.admin_faults, methods=["GET", "PUT"]),
        Route("/_simulator/rate_limit", admin.admin_rate_limit, methods=["GET", "PUT"]),
        Route("/_simulator/reset", admin.admin_reset, methods=["POST"]),
        Route("/_simulator/webhooks", admin.admin_webhooks, methods=["GET"]),
        Route("/_simulator/webhook_public_key", admin.admin_webhook_public_key, methods=["GET"]),
        Route("/_simulator/porting_orders/{id}/status", admin.admin_order_status, methods=["POST"]),
    ]


TICK_INTERVAL_S = 1.0


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """A simulator app with its state built now (``httpx.ASGITransport`` skips lifespan).

    Raises ValueError when a webhook receiver is not a loopback http(s) URL, or the webhook
    signing key is not base64 of a 32-byte seed.
    """
    config = config or SimulatorConfig()
    policy = WebhookPolicy(config.webhook_receivers)  # a bad receiver fails before any state
    signer = WebhookSigner(config.webhook_signing_key)  # so does a bad signing key
    state = SimState(config)
    sender = WebhookSender(state.webhook_log, policy, signer)
    state.webhook_sink = sender.deliver
    state.tick_hooks.append(csr_ops.settle_due)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Served by uvicorn, orders also move (and webhooks fire) while nobody is asking;
        # in-process, every request runs the due steps first, which is enough.
        async def ticker() -> None:
            while True:
                await asyncio.sleep(TICK_INTERVAL_S)
                state.refresh()
                state.tick()
                state.store.flush()

        task = asyncio.create_task(ticker())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=_routes(),
        middleware=[Middleware(SimulatorMiddleware, state=state)],
        lifespan=lifespan,
    )
    app.state.sim = state
    app.state.webhooks = sender
    return app
