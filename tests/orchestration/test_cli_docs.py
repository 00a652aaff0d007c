"""The README documents every command of the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli import build_parser

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(next(a for a in build_parser()._subparsers._group_actions).choices)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command):
    """Each `porting-batch` subcommand has its line in the README."""
    assert f"`porting-batch {command}" in README


@pytest.mark.parametrize("option", ["--confirm", "--dry-run", "--foc-policy", "--batch-name"])
def test_run_options_are_in_the_readme(option):
    """The options of `run` that change what is sent are documented."""
    assert option in README


@pytest.mark.parametrize("code", ["0", "1", "2", "3", "130", "143"])
def test_every_exit_code_is_in_the_readme(code):
    """The README's exit-code table has a row for each code the command line returns."""
    assert f"\n| {code} | " in README


def test_template_force_is_in_the_readme():
    """`template --force` (the only way to replace a file) is documented."""
    assert "`porting-batch template PATH [--force]`" in README
