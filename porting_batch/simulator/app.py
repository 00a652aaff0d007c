"""The ASGI app: every simulated route under ``/v2`` and the admin routes under ``/_simulator``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from porting_batch.simulator import admin, document_routes, order_routes
from porting_batch.simulator import csr as csr_ops
from porting_batch.simulator.config import SimulatorConfig
from porting_batch.simulator.handlers import CATCH_ALL, not_simulated
from porting_batch.simulator.http import (
    SimulatorMiddleware,
)
from porting_batch.simulator.state import SimState
from porting_batch.simulator.webhooks import WebhookPolicy, WebhookSender


def _routes() -> list[Route]:
    v2 = "/v2"
    order = f"{v2}/porting_orders/{{id}}"
    all_methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return [
        Route(
            f"{v2}/portability_checks",
            order_routes.portability_checks,
            methods=["POST"],
        ),
        Route(f"{v2}/porting_orders", order_routes.list_porting_orders, methods=["GET"]),
        Route(f"{v2}/porting_orders", order_routes.create_porting_orders, methods=["POST"]),
        Route(
            f"{v2}/porting_orders/exception_types",
            order_routes.exception_types,
            methods=["GET"],
        ),
        Route(
            f"{v2}/porting_orders/phone_number_configurations",
            order_routes.list_phone_number_configurations,
            methods=["GET"],
        ),
        Route(order, order_routes.get_porting_order, methods=["GET"]),
        Route(order, order_routes.patch_porting_order, methods=["PATCH"]),
        Route(order, order_routes.delete_porting_order, methods=["DELETE"]),
        *(
            Route(f"{order}/actions/{action}", order_routes.order_action, methods=["POST"])
            for action in ("confirm", "cancel", "activate")
        ),
        Route(
            f"{order}/allowed_foc_windows",
            order_routes.allowed_foc_windows,
            methods=["GET"],
        ),
        Route(f"{order}/requirements", order_routes.order_requirements, methods=["GET"]),
        Route(f"{order}/loa_template", order_routes.loa_template, methods=["GET"]),
        Route(f"{order}/sub_request", order_routes.sub_request, methods=["GET"]),
        Route(f"{order}/comments", order_routes.list_comments, methods=["GET"]),
        Route(f"{order}/comments", order_routes.create_comment, methods=["POST"]),
        Route(
            f"{order}/additional_documents", order_routes.list_additional_documents, methods=["GET"]
        ),
        Route(
            f"{order}/additional_documents",
            order_routes.create_additional_documents,
            methods=["POST"],
        ),
        Route(
            f"{order}/additional_documents/{{additional_document_id}}",
            order_routes.delete_additional_document,
            methods=["DELETE"],
        ),
        Route(f"{order}/activation_jobs", order_routes.list_activation_jobs, methods=["GET"]),
        Route(
            f"{order}/activation_jobs/{{job_id}}", order_routes.get_activation_job, methods=["GET"]
        ),
        Route(
            f"{v2}/porting_phone_numbers", order_routes.list_porting_phone_numbers, methods=["GET"]
        ),
        Route(f"{v2}/porting/events", order_routes.list_events, methods=["GET"]),
        Route(f"{v2}/porting/events/{{id}}", order_routes.get_event, methods=["GET"]),
        Route(
            f"{v2}/porting/events/{{id}}/republish", order_routes.republish_event, methods=["POST"]
        ),
        Route(f"{v2}/documents", document_routes.list_documents, methods=["GET"]),
        Route(f"{v2}/documents", document_routes.upload_document, methods=["POST"]),
        Route(f"{v2}/documents/{{id}}", document_routes.get_document, methods=["GET"]),
        Route(f"{v2}/documents/{{id}}", document_routes.patch_document, methods=["PATCH"]),
        Route(f"{v2}/documents/{{id}}", document_routes.delete_document, methods=["DELETE"]),
        Route(
            f"{v2}/documents/{{id}}/download", document_routes.download_document, methods=["GET"]
        ),
        Route(
            f"{v2}/customer_service_records/phone_number_coverages",
            document_routes.csr_coverage,
            methods=["POST"],
        ),
        Route(f"{v2}/customer_service_records", document_routes.create_csr, methods=["POST"]),
        Route(f"{v2}/customer_service_records", document_routes.list_csrs, methods=["GET"]),
        Route(f"{v2}/customer_service_records/{{id}}", document_routes.get_csr, methods=["GET"]),
        Route("/_simulator/clock", admin.admin_clock, methods=["GET"]),
        Route("/_simulator/clock/advance", admin.admin_advance, methods=["POST"]),
        Route("/_simulator/faults", admin.admin_faults, methods=["GET", "PUT"]),
        Route("/_simulator/rate_limit", admin.admin_rate_limit, methods=["GET", "PUT"]),
        Route("/_simulator/reset", admin.admin_reset, methods=["POST"]),
        Route("/_simulator/webhooks", admin.admin_webhooks, methods=["GET"]),
        Route("/_simulator/porting_orders/{id}/status", admin.admin_order_status, methods=["POST"]),
        Route(CATCH_ALL, not_simulated, methods=all_methods),
    ]


TICK_INTERVAL_S = 1.0


def create_app(config: SimulatorConfig | None = None) -> Starlette:
    """A simulator app with its state built now (``httpx.ASGITransport`` skips lifespan).

    Raises ValueError when a webhook receiver is not a loopback http(s) URL.
    """
    config = config or SimulatorConfig()
    policy = WebhookPolicy(config.webhook_receivers)  # a bad receiver fails before any state
    state = SimState(config)
    sender = WebhookSender(state.webhook_log, policy)
    state.webhook_sink = sender.deliver
    state.tick_hooks.append(csr_ops.settle_due)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Served by uvicorn, orders also move (and webhooks fire) while nobody is asking;
        # in-process, every request runs the due steps first, which is enough.
        async def ticker() -> None:
            while True:
                await asyncio.sleep(TICK_INTERVAL_S)
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
