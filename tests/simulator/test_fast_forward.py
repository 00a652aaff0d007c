"""Moving a saved simulator's clock between runs (``porting-batch simulator advance``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from porting_batch.simulator import create_app
from porting_batch.simulator.fast_forward import fast_forward, parse_duration

from .conftest import frozen_config, lenient_config, sim_client
from .helpers import SLOW_NUMBERS, complete, create

DAY = 86_400


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2d", 2 * DAY),
        ("6h", 6 * 3600),
        ("90m", 90 * 60),
        ("1d12h", 1.5 * DAY),
        ("1.5D", 1.5 * DAY),
    ],
)
def test_a_duration_is_read_in_days_hours_and_minutes(text: str, seconds: float) -> None:
    """Days, hours and minutes, alone or together, in that order."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "2", "2w", "h", "-1d", "0h", "91d", "6h2d"])
def test_a_duration_that_is_none_or_too_long_is_refused_with_the_form(text: str) -> None:
    """No unit, an unknown unit, nothing, or past 90 days: refused, naming what to write."""
    with pytest.raises(ValueError, match=r"2d|90 days"):
        parse_duration(text)


def _saved_order(config_state: Path, *, confirm: bool, lenient: bool) -> str:
    make = lenient_config if lenient else frozen_config
    app = create_app(make(state_file=config_state))
    with sim_client(app) as api:
        order_id = str(create(api, SLOW_NUMBERS)[0]["id"])
        if confirm:
            complete(api, order_id)
            assert api.post(f"/porting_orders/{order_id}/actions/confirm").status_code == 200
    app.state.sim.store.close()
    return order_id


def test_fast_forward_moves_a_saved_order_and_the_next_simulator_sees_it(tmp_path: Path) -> None:
    """Two days on, a confirmed order is FOC-confirmed; the simulator started next on the same
    file shows the new time and status."""
    state_file = tmp_path / "simulator.db"
    order_id = _saved_order(state_file, confirm=True, lenient=True)
    config = lenient_config(state_file=state_file)
    done = fast_forward(config, 2 * DAY)
    assert done.after - done.before == timedelta(days=2)
    assert done.moved == [(order_id, "in-process", "foc-date-confirmed")]
    assert done.counts() == {"foc-date-confirmed": 1}
    again = create_app(config)
    with sim_client(again) as api:
        order = api.get(f"/porting_orders/{order_id}").json()["data"]
    assert order["status"]["value"] == "foc-date-confirmed"
    assert again.state.sim.now() >= done.after
    again.state.sim.store.close()


def test_fast_forward_past_30_days_shows_a_stale_draft_deleted(tmp_path: Path) -> None:
    """A draft left 31 days is deleted by Telnyx: the move lists it as deleted."""
    state_file = tmp_path / "simulator.db"
    order_id = _saved_order(state_file, confirm=False, lenient=False)
    done = fast_forward(frozen_config(state_file=state_file), 31 * DAY)
    assert done.moved == [(order_id, "draft", "deleted")]
