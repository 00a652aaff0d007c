"""docs/operating.md's several-machines section names what the code and the parser know."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from flows.cli.parser import build_parser
from flows.runtime import API_RATE_LIMIT

DOC = (Path(__file__).resolve().parents[2] / "docs" / "operating.md").read_text(encoding="utf-8")


def test_the_rate_limit_the_doc_creates_is_the_one_runs_draw_from():
    """The `prefect gcl create` line for the rate names the limit flows.runtime looks up."""
    (line,) = [ln for ln in DOC.splitlines() if ln.startswith("prefect gcl create porting-api-")]
    assert shlex.split(line)[3] == API_RATE_LIMIT


def test_the_docs_ledger_migrate_command_parses():
    """The documented `porting-batch ledger migrate` line is accepted by the parser."""
    (line,) = re.findall(r"^porting-batch ledger migrate .+$", DOC, re.MULTILINE)
    args = build_parser().parse_args(shlex.split(line)[1:])
    assert args.to.startswith("postgresql+psycopg://") and args.state == "./state"
