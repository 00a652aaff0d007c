"""A rejection webhook reaches the tracking report: its line names the cell to correct."""

from __future__ import annotations

import pytest

from .latency import rejection_latency

pytestmark = pytest.mark.anyio


async def test_a_rejection_webhook_lands_as_its_line_in_the_tracking_report(tmp_path):
    """The signed webhook is accepted, and the next look's report has the order's fix line."""
    found = await rejection_latency(tmp_path)
    assert found.answer == 200
    assert found.line["Code"] == "ENTITY_NAME_MISMATCH"
    assert found.line["Input cell"] == "batch!B3"
    assert found.after_webhook == "exception"
