"""The Prefect flow ``confirm-batch``: submit the complete drafts of a batch whose report the
operator has reviewed, and keep its form's list of batches current.

The confirming is the library's (``porting_batch.runner.confirm_drafts``): from the ledger, each
confirm an exactly-once intent, the sheet not read again. The form offers the batches with
drafts waiting as a choice: the deployment's parameter schema is written with that list when
``serve`` starts (``flows.deployments``) and written again on the server after each run of
this flow and of ``port-in-batch`` (:func:`refresh_confirm_choices`). Prefect builds a
deployment's schema from the flow's signature once; the list lives only in the schema, so the
flow itself accepts any batch name and the library refuses one it does not know.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import acreate_markdown_artifact
from prefect.states import Completed, Failed, State

from flows.naming import (
    CONFIRM_DEPLOYMENT,
    CONFIRM_FLOW,
    current_parameters,
    field_of,
    run_name,
    tag_this_run,
)
from flows.parameters import ConfirmRequest
from flows.runtime import open_client, run_logging
from porting_batch.errors import PortingBatchError
from porting_batch.ledger import Ledger
from porting_batch.runner.confirm_drafts import (
    DraftsConfirmed,
    batches_with_drafts,
    confirm_batch_drafts,
    describe,
)
from porting_batch.settings import load_settings

logger = logging.getLogger("porting_batch.operating")
#: Where the batch field sits in the deployment's parameter schema.
_MODEL = ConfirmRequest.__name__
_NO_CHOICE = "No batch has drafts waiting yet: run a spreadsheet in draft mode first."


def waiting_batches(ledger_url: str) -> list[str]:
    """The batches with complete drafts waiting, newest first."""
    with Ledger(ledger_url) as ledger:
        return batches_with_drafts(ledger)


def with_batch_choices(schema: dict[str, Any], waiting: list[str]) -> dict[str, Any]:
    """The parameter schema with the batch field offering ``waiting`` as its choices (a
    plain text field, saying so, while none waits: an empty choice would refuse them all)."""
    updated = copy.deepcopy(schema)
    field = updated.get("definitions", {}).get(_MODEL, {}).get("properties", {}).get("batch")
    if field is None:
        return updated
    base = ConfirmRequest.model_fields["batch"].description or ""
    if waiting:
        field["enum"] = list(waiting)
        field["description"] = f"{base} Waiting now: {len(waiting)}."
    else:
        field.pop("enum", None)
        field["description"] = f"{base} {_NO_CHOICE}"
    return updated


async def refresh_confirm_choices(ledger_url: str) -> list[str] | None:
    """Write the batches with drafts waiting into the served confirm-batch form; None when
    no such deployment is served. A failure is logged, never raised: the run it follows has
    already done its work."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import DeploymentUpdate
    from prefect.exceptions import ObjectNotFound

    try:
        waiting = waiting_batches(ledger_url)
        async with get_client() as client:
            try:
                deployment = await client.read_deployment_by_name(CONFIRM_DEPLOYMENT)
            except ObjectNotFound:
                return None
            schema = with_batch_choices(deployment.parameter_openapi_schema or {}, waiting)
            update = DeploymentUpdate(parameter_openapi_schema=schema)
            await client.update_deployment(deployment.id, update)
    except Exception as exc:  # the form is stale until the next run: say so, go on
        logger.warning("could not refresh the %s form: %s", CONFIRM_DEPLOYMENT, exc)
        return None
    return waiting


def confirm_run_name() -> str:
    """``confirm · <batch>``, for confirm-batch's runs."""
    return run_name("confirm", str(field_of(current_parameters().get("request"), "batch") or ""))


@flow(name=CONFIRM_FLOW, flow_run_name=confirm_run_name, log_prints=True)
async def confirm_batch(
    request: ConfirmRequest, overrides: dict[str, str] | None = None
) -> dict[str, Any] | State:
    """Submit the complete drafts of a reviewed batch; a batch with errors is refused unless
    ``complete_orders_only``. Ends Failed, with one line as its message, when refused or
    when not every draft could be confirmed."""
    run_logging()
    await tag_this_run()
    log = get_run_logger()
    try:
        settings = load_settings(overrides or {})
    except PortingBatchError as exc:
        return Failed(message=str(exc).replace("\n", "; "))
    try:
        with Ledger(settings.ledger_database_url) as ledger:
            async with open_client(settings) as client:
                done = await confirm_batch_drafts(
                    settings,
                    ledger,
                    client,
                    request.batch,
                    complete_orders_only=request.complete_orders_only,
                )
    except PortingBatchError as exc:
        log.error("Refused %s: %s", request.batch, exc)
        return Failed(message=str(exc))
    finally:
        await refresh_confirm_choices(settings.ledger_database_url)
    await acreate_markdown_artifact(
        key=f"{_key(done.batch_id)}-confirm",
        markdown=confirm_page(done),
        description=f"Confirming batch {done.batch_id}",
    )
    line = (
        f"{'Confirmed' if done.complete else 'Not complete'} {done.batch_id}: "
        f"{len(done.confirmed)} order(s) confirmed, {len(done.refused)} refused"
        f"{'; ' + done.failure if done.failure else ''}; report folder {done.report_folder}"
    )
    (log.info if done.complete else log.warning)(line)
    if not done.complete:
        return Failed(message=line, data=describe(done))
    return Completed(message=line, data=describe(done))


def confirm_page(done: DraftsConfirmed) -> str:
    """The run's artifact: what was confirmed, what Telnyx refused, where the report is."""
    lines = [
        f"# Batch {done.batch_id}: {'confirmed' if done.complete else 'NOT all confirmed'}",
        "",
        f"**Report folder:** `{done.report_folder}`",
        "",
        f"- Confirmed now: {len(done.confirmed)} order(s)",
        f"- Already confirmed before: {len(done.already)} order(s)",
    ]
    if done.failure:
        lines += [
            f"- Stopped: {done.failure}. Run confirm-batch again for this batch: what was "
            "confirmed is not sent twice."
        ]
    if done.refused:
        lines += ["", "## Refused by Telnyx", "", "| Order | Why |", "|---|---|"]
        lines += [f"| {order} | {why.replace('|', '/')} |" for order, why in done.refused.items()]
        lines += ["", "Correct the rows of these orders in the spreadsheet and run it again."]
    return "\n".join(lines) + "\n"


def _key(batch_id: str) -> str:
    cleaned = "".join(c if c.isalnum() else "-" for c in batch_id.lower()).strip("-")
    return cleaned[:40]
