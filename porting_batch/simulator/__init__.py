"""A faithful, deterministic local stand-in for the Telnyx porting (port-in) API.

``create_app(config)`` gives the ASGI app (state in ``app.state.sim``); ``server.main`` and
``server.running_simulator`` serve it with uvicorn. See docs/simulator.md for every rule.
"""

from porting_batch.simulator.app import create_app
from porting_batch.simulator.config import DEFAULT_API_KEY, Faults, Latency, SimulatorConfig

__all__ = ["DEFAULT_API_KEY", "Faults", "Latency", "SimulatorConfig", "create_app"]
