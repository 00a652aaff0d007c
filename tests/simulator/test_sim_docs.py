"""docs/simulator.md covers every route, admin call and command-line option."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.routing import Route

from porting_batch.simulator import create_app
from porting_batch.simulator.server import build_parser

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "simulator.md").read_text(encoding="utf-8")


def test_docs_name_every_simulated_and_admin_route() -> None:
    """Each route's path, from its last fixed segment on, appears in the docs."""
    missing = []
    for route in create_app().routes:
        if not isinstance(route, Route) or route.path == "/{path:path}":
            continue
        fixed = [part for part in route.path.split("/") if part and not part.startswith("{")]
        if fixed[-1] not in DOCS:
            missing.append(route.path)
    assert missing == []


def test_docs_list_every_command_line_option() -> None:
    """Each option of `porting-batch simulator` is documented."""
    options = [
        option
        for action in build_parser()._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ]
    assert [option for option in options if not re.search(re.escape(option) + r"\b", DOCS)] == []
