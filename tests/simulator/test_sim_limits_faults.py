"""Rate limit per key, injected faults (errors, drops, lost responses) and the admin API."""

from __future__ import annotations

import httpx
import pytest
from starlette.testclient import TestClient

from porting_batch.simulator import create_app
from porting_batch.simulator.http import SimulatedDrop

from .conftest import frozen_config, sim_client

CHECK = {"phone_numbers": ["+13125550101"]}


def test_rate_limit_answers_429_with_code_10011_and_retry_after() -> None:
    """Past the bucket, 429 with 10011 and Retry-After; every answer carries x-ratelimit-*."""
    app = create_app(frozen_config(rate_limit_per_s=0.001, rate_limit_burst=3))
    with sim_client(app) as api:
        answers = [api.post("/portability_checks", json=CHECK) for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"3"}
    assert int(answers[0].headers["x-ratelimit-reset"]) > 0
    limited = answers[3]
    assert limited.json()["errors"][0]["code"] == "10011"
    assert limited.json()["errors"][0]["meta"]["retryable"] is True
    assert int(limited.headers["retry-after"]) >= 1


def test_rate_limit_buckets_are_per_api_key() -> None:
    """One key running dry leaves another key's bucket alone."""
    app = create_app(
        frozen_config(api_keys=("KEY-A", "KEY-B"), rate_limit_per_s=0.001, rate_limit_burst=1)
    )
    with sim_client(app, key="KEY-A") as first, sim_client(app, key="KEY-B") as second:
        assert first.post("/portability_checks", json=CHECK).status_code == 201
        assert first.post("/portability_checks", json=CHECK).status_code == 429
        assert second.post("/portability_checks", json=CHECK).status_code == 201


def test_error_faults_answer_5xx_without_applying_the_write() -> None:
    """error_rate 1: every call is a 500/502/503 and no order is created."""
    app = create_app(frozen_config(faults={"error_rate": 1.0}))
    with sim_client(app) as api:
        response = api.post("/porting_orders", json=CHECK)
    assert response.status_code in {500, 502, 503}
    assert response.json()["errors"][0]["meta"]["retryable"] is True
    assert app.state.sim.store.all("orders") == []


def test_drop_faults_break_the_connection_without_applying_the_write() -> None:
    """drop_rate 1: the client sees a transport error and nothing is created."""
    app = create_app(frozen_config(faults={"drop_rate": 1.0}))
    with sim_client(app) as api, pytest.raises(httpx.TransportError):
        api.post("/porting_orders", json=CHECK)
    assert app.state.sim.store.all("orders") == []


def test_lost_responses_apply_the_write_but_the_client_never_hears() -> None:
    """lost_response_rate 1: the order exists, yet the answer was a 5xx or a dropped line."""
    app = create_app(frozen_config(faults={"lost_response_rate": 1.0}, seed=3))
    outcomes = []
    with sim_client(app, validate=False) as api:
        for index in range(6):
            try:
                response = api.post(
                    "/porting_orders", json={"phone_numbers": [f"+1312555{index:04d}"]}
                )
                outcomes.append(response.status_code)
            except SimulatedDrop:
                outcomes.append("drop")
        assert api.get("/porting_orders").status_code == 200  # reads are never "lost"
    assert len(app.state.sim.store.all("orders")) == 6
    assert "drop" in outcomes
    assert {o for o in outcomes if o != "drop"} <= {500, 502, 503}


def test_admin_faults_change_while_running() -> None:
    """PUT /_simulator/faults switches faults on and off for the next requests."""
    app = create_app(frozen_config())
    with sim_client(app) as api, sim_client(app, validate=False) as raw:
        admin_url = "http://sim.test/_simulator/faults"
        assert raw.put(admin_url, json={"error_rate": 1.0}).json()["error_rate"] == 1.0
        assert api.post("/portability_checks", json=CHECK).status_code >= 500
        raw.put(admin_url, json={"error_rate": 0.0, "latency": {"ms": 0}})
        assert api.post("/portability_checks", json=CHECK).status_code == 201
        refused = raw.put(admin_url, json={"error_rate": 3})
        assert refused.status_code == 422
        assert raw.put(admin_url, json={"typo_rate": 0.1}).status_code == 422


def test_latency_is_added_before_answering() -> None:
    """A latency setting delays the answer (checked by the configured value, not a timer)."""
    app = create_app(
        frozen_config(latency_ms={"distribution": "uniform", "min_ms": 1, "max_ms": 2})
    )
    faults = app.state.sim.faults
    assert faults.latency.enabled
    with sim_client(app) as api:
        assert api.post("/portability_checks", json=CHECK).status_code == 201


def test_admin_reset_forgets_everything() -> None:
    """POST /_simulator/reset empties orders and frees their numbers."""
    app = create_app(frozen_config())
    with sim_client(app) as api:
        api.post("/porting_orders", json=CHECK)
        api.post("http://sim.test/_simulator/reset")
        assert api.get("/porting_orders").json()["meta"]["total_results"] == 0
        assert api.post("/porting_orders", json=CHECK).status_code == 201


def test_unknown_routes_say_they_are_not_simulated(app: object) -> None:
    """Anything outside the simulated set is a JSON:API 404 saying so."""
    with sim_client(app) as api:
        response = api.post("/porting_orders/x/verification_codes/send", json={})
    assert response.status_code == 404
    assert "not simulated" in response.json()["errors"][0]["detail"]


def test_admin_changes_the_rate_limit_while_running() -> None:
    """PUT /_simulator/rate_limit changes the (realistic default) limit, and null turns it off."""
    app = create_app(frozen_config())
    with sim_client(app) as api:
        admin_url = "http://sim.test/_simulator/rate_limit"
        assert api.get(admin_url).json() == {"per_s": 20.0, "burst": 40.0}
        assert api.put(admin_url, json={"per_s": 0.001, "burst": 1}).json()["per_s"] == 0.001
        assert api.post("/portability_checks", json=CHECK).status_code == 201
        assert api.post("/portability_checks", json=CHECK).status_code == 429
        api.put(admin_url, json={"per_s": None})
        answer = api.post("/portability_checks", json=CHECK)
        assert answer.status_code == 201
        assert "x-ratelimit-limit" not in answer.headers
        assert api.put(admin_url, json={"per_s": -1}).status_code == 422


def test_same_seed_and_requests_give_the_same_answers() -> None:
    """Two simulators with one seed answer a sequence identically, faults included."""

    def run() -> list[tuple[int, object]]:
        app = create_app(frozen_config(seed=11, faults={"error_rate": 0.3}))
        answers: list[tuple[int, object]] = []
        with sim_client(app) as api:
            for index in range(12):
                body = {"phone_numbers": [f"+1312555{index:04d}"], "customer_reference": "s"}
                response = api.post("/porting_orders", json=body)
                answers.append((response.status_code, response.json()))
        return answers

    first = run()
    assert first == run()
    assert {status for status, _ in first} - {201}  # some faults did fire


ADMIN_CALLS = [
    ("GET", "/clock", None),
    ("POST", "/clock/advance", {"days": 1}),
    ("GET", "/faults", None),
    ("PUT", "/faults", {"error_rate": 1.0}),
    ("GET", "/rate_limit", None),
    ("PUT", "/rate_limit", {"per_s": 0.001}),
    ("POST", "/reset", None),
    ("GET", "/webhooks", None),
    ("POST", "/porting_orders/{id}/status", {"value": "ported"}),
]


@pytest.mark.parametrize("key", [None, "WRONGKEY"])
def test_admin_routes_need_the_api_key(key: str | None) -> None:
    """Every admin call without the simulator's key is a 401 (10009) and changes nothing."""
    app = create_app(frozen_config())
    with sim_client(app) as api:
        [order] = api.post("/porting_orders", json=CHECK).json()["data"]
        before = api.get("http://sim.test/_simulator/clock").json()
        with TestClient(app, base_url="http://sim.test/_simulator") as stranger:
            if key is not None:
                stranger.headers["Authorization"] = f"Bearer {key}"
            for method, path, body in ADMIN_CALLS:
                answer = stranger.request(method, path.format(id=order["id"]), json=body)
                assert answer.status_code == 401, (method, path)
                assert answer.json()["errors"][0]["code"] == "10009"
        assert api.get("http://sim.test/_simulator/clock").json() == before
        assert api.get("http://sim.test/_simulator/faults").json()["error_rate"] == 0.0
        assert api.get(f"/porting_orders/{order['id']}").json()["data"]["status"]["value"] == (
            "draft"
        )
