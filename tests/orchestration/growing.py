"""A file that another program is still writing, for the inbox's 'not complete yet' cases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def growing_file(path: Path, every_s: float) -> Iterator[Path]:
    """Create ``path`` and keep appending a line to it every ``every_s`` seconds until exit."""
    path.write_text("phone_number\n", encoding="utf-8")
    stop = threading.Event()

    def keep_writing() -> None:
        with path.open("a", encoding="utf-8") as handle:
            while not stop.is_set():
                handle.write("+13125550100\n")
                handle.flush()
                stop.wait(every_s)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        yield path
    finally:
        stop.set()
        writer.join()
