"""Serving the simulator: running_simulator, the command line, and state across restarts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from porting_batch.simulator import SimulatorConfig, create_app
from porting_batch.simulator.server import build_parser, running_simulator
from porting_batch.simulator.store import Store
from porting_batch.testing.openapi import check_exchange

from .conftest import START, sim_client


def test_running_simulator_serves_v2_on_loopback_with_the_configured_key() -> None:
    """The context manager yields a loopback /v2 base URL and a key that works."""
    config = SimulatorConfig(api_keys=("KEY-A",), clock_speed=0.0, start_time=START)
    with running_simulator(config) as sim:
        assert sim.base_url.startswith("http://127.0.0.1:")
        assert sim.base_url.endswith("/v2")
        assert sim.api_key == "KEY-A"
        with httpx.Client(
            base_url=sim.base_url,
            headers={"Authorization": f"Bearer {sim.api_key}"},
            event_hooks={"response": [check_exchange]},
        ) as client:
            response = client.post("/portability_checks", json={"phone_numbers": ["+13125550101"]})
            assert response.status_code == 201
        port = sim.port
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/v2/porting_orders", timeout=2)


def test_state_file_keeps_orders_across_restarts(tmp_path: Path) -> None:
    """With a state file, a new app meets the orders, documents and events of the last one."""
    state_file = tmp_path / "simulator.db"
    config = SimulatorConfig(state_file=state_file, clock_speed=0.0, start_time=START)
    first = create_app(config)
    with sim_client(first) as api:
        created = api.post(
            "/porting_orders", json={"phone_numbers": ["+13125550101"], "customer_reference": "r"}
        ).json()["data"]
        api.patch(f"/porting_orders/{created[0]['id']}", json={"customer_group_reference": "g"})
    first.state.sim.store.close()

    second = create_app(config)
    with sim_client(second) as api:
        listed = api.get("/porting_orders", params={"filter[customer_reference]": "r"}).json()
        assert [o["id"] for o in listed["data"]] == [created[0]["id"]]
        assert listed["data"][0]["customer_group_reference"] == "g"
        again = api.post("/porting_orders", json={"phone_numbers": ["+13125550101"]})
        assert again.status_code == 422  # the number is still in the reloaded order
        fresh = api.post("/porting_orders", json={"phone_numbers": ["+13125550102"]})
        assert fresh.json()["data"][0]["id"] != created[0]["id"]
    second.state.sim.store.close()


def test_two_simulators_sharing_a_state_file_show_one_api(tmp_path: Path) -> None:
    """Two apps on one state file at once (two runs on one state folder, each with its own
    embedded simulator) see each other's orders as they are made, the numbers they hold, and
    never hand out the same id."""
    config = SimulatorConfig(
        state_file=tmp_path / "simulator.db", clock_speed=0.0, start_time=START
    )
    first, second = create_app(config), create_app(config)
    with sim_client(first) as one, sim_client(second) as other:
        assert other.get("/porting_orders").json()["data"] == []
        made = one.post(
            "/porting_orders", json={"phone_numbers": ["+13125550101"], "customer_reference": "r"}
        ).json()["data"][0]
        seen = other.get(f"/porting_orders/{made['id']}")
        assert seen.status_code == 200 and seen.json()["data"]["customer_reference"] == "r"
        assert other.get(f"/porting_orders/{made['id']}/allowed_foc_windows").status_code == 200
        taken = other.post("/porting_orders", json={"phone_numbers": ["+13125550101"]})
        assert taken.status_code == 422  # the number is in the first one's order
        ids = [made["id"]]
        for api, number in ((other, "+13125550102"), (one, "+13125550103")):
            reply = api.post("/porting_orders", json={"phone_numbers": [number]})
            ids.append(reply.json()["data"][0]["id"])
        listed = one.get("/porting_orders").json()["data"]
    assert len(set(ids)) == 3
    assert sorted(o["id"] for o in listed) == sorted(ids)
    first.state.sim.store.close()
    second.state.sim.store.close()


def test_counters_of_two_stores_on_one_file_never_repeat(tmp_path: Path) -> None:
    """A counter drawn by one store and committed is seen by the other's next draw even
    before it reloads: ids stay unique across processes sharing the file."""
    path = tmp_path / "simulator.db"
    one, other = Store(path), Store(path)
    drawn = [one.next_counter("id_counter")]
    one.flush()
    drawn.append(other.next_counter("id_counter"))
    other.flush()
    drawn.append(one.next_counter("id_counter"))
    one.flush()
    assert drawn == [1, 2, 3]
    assert other.refresh() is True and other.meta["id_counter"] == 3
    assert other.refresh() is False
    one.close()
    other.close()


def test_command_line_prints_base_url_and_key_and_serves(tmp_path: Path) -> None:
    """`python -m porting_batch.simulator.server --port 0` prints where it listens and the key."""
    process = subprocess.Popen(
        [sys.executable, "-m", "porting_batch.simulator.server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        second = process.stdout.readline().strip()
        assert first.startswith("Simulator listening on http://127.0.0.1:")
        assert first.endswith("/v2")
        assert second == "API key: KEYSIMULATOR"
        base_url = first.rsplit(" ", 1)[1]
        response = httpx.post(
            f"{base_url}/portability_checks",
            json={"phone_numbers": ["+13125550101"]},
            headers={"Authorization": "Bearer KEYSIMULATOR"},
            timeout=10,
        )
        assert response.status_code == 201
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_command_line_options_build_latency_faults_and_limits() -> None:
    """--latency-ms, --faults and --rate-limit parse into their settings."""
    args = build_parser().parse_args(
        [
            "--latency-ms",
            "uniform:5:20",
            "--faults",
            "error_rate=0.1,drop_rate=0.05",
            "--rate-limit",
            "25",
            "--host",
            "127.0.0.1",
        ]
    )
    assert args.latency_ms == {"distribution": "uniform", "min_ms": 5.0, "max_ms": 20.0}
    assert args.faults == {"error_rate": 0.1, "drop_rate": 0.05}
    assert args.rate_limit == 25.0
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--faults", "error_rate=2"])


def test_state_file_keeps_the_advanced_clock_across_restarts(tmp_path: Path) -> None:
    """An advanced simulated clock does not jump back when the simulator restarts."""
    config = SimulatorConfig(state_file=tmp_path / "sim.db", clock_speed=0.0, start_time=START)
    first = create_app(config)
    moved = first.state.sim.advance(3 * 86400)
    first.state.sim.store.close()
    second = create_app(config)
    assert second.state.sim.now() == moved
    second.state.sim.store.close()


def test_public_surface_is_pinned() -> None:
    """The names other packages code against stay exported."""
    import porting_batch.simulator as simulator
    from porting_batch.simulator import server

    assert simulator.__all__ == [
        "DEFAULT_API_KEY",
        "Faults",
        "Latency",
        "SimulatorConfig",
        "create_app",
    ]
    assert callable(server.main) and callable(server.running_simulator)
    config = SimulatorConfig()
    assert (config.api_keys, config.rate_limit_per_s, config.state_file, config.clock_speed) == (
        ("KEYSIMULATOR",),
        None,
        None,
        1.0,
    )


def test_command_line_names_a_broken_scenario_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario that cannot be read ends with status 2 and a message naming the file."""
    from porting_batch.simulator.server import main

    broken = tmp_path / "broken.yaml"
    broken.write_text("numbers: [1, 2\n", encoding="utf-8")
    assert main(["--scenario", str(broken)]) == 2
    assert str(broken) in capsys.readouterr().err
