"""Write the blank templates in this folder: porting-template.xlsx and porting-template.csv.

They are what ``porting-batch template PATH`` writes (headers in the operator's words, the
greyed example row the reader skips), with a fixed creation time so that the
committed files only change when the column catalogue does. Run from the repository root:
``.venv/bin/python input_templates/make_templates.py``.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from porting_batch.template import write_batch  # noqa: E402

CREATED = datetime(2026, 11, 26, 12)


def build(folder: Path = HERE) -> list[Path]:
    """Write both templates into ``folder``."""
    return [
        write_batch(folder / name, [], created=CREATED, example=True)
        for name in ("porting-template.xlsx", "porting-template.csv")
    ]


if __name__ == "__main__":
    for path in build():
        print(path)
