"""Documents: the bytes uploaded are the bytes checked at intake, and an upload that landed
unrecorded is found again instead of being sent twice."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from porting_batch.outcomes import Outcome
from porting_batch.results import BatchResult
from porting_batch.runner import InProcess, Run, run_batch, run_sequence, start_run

from .conftest import client_over

pytestmark = pytest.mark.anyio

UPLOAD = "POST /documents"
SECRET_BYTES = b"%PDF-1.4 outside the batch: someone else's contract"


def capture_uploads(app, bodies: list[bytes]) -> httpx.MockTransport:
    """A transport over the simulator that keeps every upload's body."""
    inner = httpx.ASGITransport(app=app)

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/documents"):
            bodies.append(request.read())
        return await inner.handle_async_request(request)

    return httpx.MockTransport(handler)


@dataclass
class SwapAfterRead(InProcess):
    """Intake, then ``swap`` (the file changes under the run), then the remaining steps."""

    swap: Callable[[], None] = lambda: None

    async def read(self, run: Run) -> None:
        """Read the file, then change it."""
        await super().read(run)
        self.swap()


async def _run_after_swap(run: Run, swap: Callable[[], None]) -> BatchResult:
    return await run_sequence(run, SwapAfterRead(swap=swap))


async def test_a_document_swapped_for_a_link_out_of_the_batch_is_refused(
    settings, ledger, sim_app, sample_copy, tmp_path
):
    """The LOA replaced after intake by a link to a file outside the batch is not uploaded:
    its rows get an error on the loa_file cell and no order is made for them."""
    path = sample_copy()
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes(SECRET_BYTES)
    loa = path.parent / "loa-bluebird-bakery.pdf"

    def swap() -> None:
        loa.unlink()
        os.symlink(outside, loa)

    bodies: list[bytes] = []
    async with client_over(capture_uploads(sim_app, bodies)) as client:
        run = start_run(settings, ledger, client, path)
        result = await _run_after_swap(run, swap)
    assert not any(SECRET_BYTES in body for body in bodies)
    refused = [i for i in result.issues if i.code == "file_outside_batch"]
    assert refused and all(i.column == "loa_file" and i.is_error for i in refused)
    acme = [n for n in result.numbers if n.raw["entity_name"] == "Bluebird Bakery LLC"]
    assert {n.outcome for n in acme} == {Outcome.INVALID_INPUT}
    assert not any(n.order_id for n in acme)
    assert result.has_input_errors and result.complete


async def test_a_document_changed_after_intake_is_refused(settings, ledger, sim_app, sample_copy):
    """New bytes under the same name after intake: refused as changed, never uploaded."""
    path = sample_copy()
    loa = path.parent / "loa-bluebird-bakery.pdf"
    bodies: list[bytes] = []
    async with client_over(capture_uploads(sim_app, bodies)) as client:
        run = start_run(settings, ledger, client, path)
        result = await _run_after_swap(run, lambda: loa.write_bytes(SECRET_BYTES))
    assert not any(SECRET_BYTES in body for body in bodies)
    changed = [i for i in result.issues if i.code == "file_changed"]
    assert changed and {i.column for i in changed} == {"loa_file"}
    assert "changed after the batch was checked" in changed[0].message


async def test_the_uploaded_bytes_are_those_checked_at_intake(
    settings, ledger, sim_app, sample_copy
):
    """Every uploaded body carries exactly the content hashed at intake."""
    path = sample_copy()
    bodies: list[bytes] = []
    async with client_over(capture_uploads(sim_app, bodies)) as client:
        run = start_run(settings, ledger, client, path)
        result = await _run_after_swap(run, lambda: None)
    digests = run.state.document_digests
    assert bodies and len(bodies) == len(set(digests.values()))
    for name in digests:
        content = (path.parent / name).read_bytes()
        assert sum(content in body for body in bodies) == 1
    assert result.complete


async def test_an_upload_that_landed_unrecorded_is_found_not_sent_again(
    settings, ledger, client, sample_copy
):
    """An open upload intent (a run killed after sending) and the document at Telnyx: the
    next run adopts it by reference and checksum and uploads it no second time."""
    path = sample_copy()
    loa = path.parent / "loa-bluebird-bakery.pdf"
    digest = hashlib.sha256(loa.read_bytes()).hexdigest()
    ledger.record_intent("sample-batch", "upload", digest)
    landed = await client.upload_document(loa, customer_reference="sample-batch")
    uploads = client.stats.as_dict()["calls"][UPLOAD]
    result = await run_batch(settings, ledger, client, path)
    pdfs = {p.name for p in path.parent.glob("*.pdf")}
    assert client.stats.as_dict()["calls"][UPLOAD] == uploads + len(pdfs) - 1
    assert ledger.document_id(digest) == str(landed.id)
    assert not ledger.open_intents("sample-batch", "upload")
    acme_numbers = {
        n.phone_number for n in result.numbers if n.raw["entity_name"].startswith("Bluebird Bakery")
    }
    acme = [o for o in result.orders if acme_numbers & set(o.phone_numbers)]
    assert acme and all(o.documents["loa"] == str(landed.id) for o in acme)
