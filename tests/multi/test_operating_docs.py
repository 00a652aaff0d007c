"""docs/operating.md's several-machines section names what the code and the parser know."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from flows.cli.parser import build_parser
from flows.runtime import API_RATE_LIMIT
from tests.multi.cluster import SETUP, WATCHER, WORKER

DOC = (Path(__file__).resolve().parents[2] / "docs" / "operating.md").read_text(encoding="utf-8")


def test_the_rate_limit_the_doc_creates_is_the_one_runs_draw_from():
    """Every `prefect gcl create` line for the rate names the limit flows.runtime looks up."""
    lines = [ln for ln in DOC.splitlines() if ln.startswith("prefect gcl create porting-api-")]
    assert lines and {shlex.split(line)[3] for line in lines} == {API_RATE_LIMIT}


def _section_commands(program: str) -> list[str]:
    """The lines of the "Several machines" section's code blocks that run ``program``."""
    section = DOC.split("## Several machines", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    return [
        line
        for block in blocks
        for line in block.splitlines()
        if program in shlex.split(line)[:2] or line.startswith(f"{program} ")
    ]


def test_the_docs_set_up_commands_are_the_ones_the_workers_test_runs():
    """The one-off commands, in order, are tests/multi/cluster.py's SETUP, word for word."""
    assert _section_commands("prefect")[: len(SETUP)] == list(SETUP)


def test_the_docs_worker_and_watcher_commands_are_the_ones_the_workers_test_runs():
    """Each machine's worker line (with its heartbeat) and the watcher are the test's own."""
    assert _section_commands("prefect")[len(SETUP) :] == [WORKER]
    assert f"`{WATCHER}`" in DOC.split("## Several machines", 1)[1]


def test_the_docs_ledger_migrate_command_parses():
    """The documented `porting-batch ledger migrate` line is accepted by the parser."""
    (line,) = re.findall(r"^porting-batch ledger migrate .+$", DOC, re.MULTILINE)
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert args.to.startswith("postgresql+psycopg://") and args.state == "./state"
