"""Each package's public names are pinned: a name added or dropped is a deliberate change.

When a change to ``__all__`` is meant, update ``public_names.json`` in the same commit (the
failure prints the difference).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PINNED: dict[str, list[str]] = json.loads(
    (Path(__file__).with_name("public_names.json")).read_text(encoding="utf-8")
)
#: Namespace roots that only hold subpackages and say so by having no names of their own.
ROOTS = {"porting_batch", "flows"}


def _packages() -> list[str]:
    found = []
    for root in ROOTS:
        for init in (ROOT / root).rglob("__init__.py"):
            name = ".".join(init.parent.relative_to(ROOT).parts)
            if name not in ROOTS:
                found.append(name)
    return sorted(found)


def test_every_package_is_pinned() -> None:
    """Every package below the roots declares ``__all__`` and has an entry in the pin file."""
    assert sorted(PINNED) == _packages()


@pytest.mark.parametrize("package", sorted(PINNED))
def test_public_names_match_the_pin(package: str) -> None:
    """``__all__`` equals the pinned list, and every name in it exists."""
    module = importlib.import_module(package)
    exported = sorted(getattr(module, "__all__", []))
    added = sorted(set(exported) - set(PINNED[package]))
    dropped = sorted(set(PINNED[package]) - set(exported))
    assert (added, dropped) == ([], []), f"{package}: added {added}, dropped {dropped}"
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == []
