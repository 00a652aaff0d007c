"""The Telnyx spec subset travels with the repo: a clone needs nothing beside it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from porting_batch.testing.openapi import SPEC_PATH

ROOT = Path(__file__).resolve().parents[2]
NOTE = SPEC_PATH.with_name("SOURCE.md")

# Where code could reach for the team folder beside the project: any path naming it.
SHARED_READER = re.compile(r"""\.\./shared|/work/shared|["']shared["']""")
SCANNED = ("tests", "benchmarks", "porting_batch", "flows", ".ci")
CODE_SUFFIXES = {".py", ".sh", ".toml", ".yaml", ".yml", ".cfg", ".ini", ""}


def test_the_spec_subset_is_read_from_inside_the_repo() -> None:
    """The spec check reads the copy shipped in porting_batch/testing/, byte for byte Telnyx's."""
    assert SPEC_PATH.is_relative_to(ROOT), SPEC_PATH
    note = NOTE.read_text(encoding="utf-8")
    recorded = re.search(r"SHA-256\s+`([0-9a-f]{64})`", note)
    assert recorded, "porting_batch/testing/SOURCE.md must record the copy's SHA-256"
    assert hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest() == recorded.group(1)
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert f"`info.version` {spec['info']['version']}" in note
    assert "/porting_phone_numbers" in spec["paths"] and "/documents" in spec["paths"]


def test_no_code_or_build_file_reads_the_shared_folder() -> None:
    """No test, benchmark, library, flow, CI or build file names the reading folder."""
    files = [ROOT / "Makefile", ROOT / "pyproject.toml"]
    for top in SCANNED:
        files += [
            path
            for path in (ROOT / top).rglob("*")
            if path.is_file()
            and path.suffix in CODE_SUFFIXES
            and "__pycache__" not in path.parts
            and path != Path(__file__).resolve()
        ]
    readers = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SHARED_READER.search(line)
    ]
    assert readers == []
