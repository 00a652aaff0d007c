"""The reader process: calamine reads the sheet in a child with an address-space limit.

One cell at XFD1048576 makes calamine allocate the whole 16,384 x 1,048,576 grid (512 GiB,
then a Rust abort that no ``except`` can catch). So calamine runs in a child process with a
memory limit (:data:`READER_MEMORY_MB`) and checks the sheet's real extent (which it computes
from the cells, never from the dimension claim) before it builds any Python list. A claim of
A1:Z1048576 over ten real rows reads as the ten rows it is, at calamine's speed.

Why a child process rather than a proof that the checks bound calamine's allocations: the claim
can lie small (A1:B2 over a cell at XFD1048576), so such a proof needs a full scan of the
sheet's XML in Python, which costs about three times calamine's whole read (6 s against 2 s per
100,000 rows, more for a million formatted empty rows). The child costs about 0.4 s per
100,000 rows and also survives what no check foresees (a panic, an allocation that aborts).
"""

from __future__ import annotations

import contextlib
import io
import pickle
import subprocess
import sys
import tempfile
import threading
from typing import Any

from porting_batch.cells import column_letter
from porting_batch.settings import Settings

#: Address space the reader process may use. A legitimate 250,000-row sheet of the template's
#: 31 columns needs about 1 GB; the hostile files this guards against ask for hundreds of GB.
READER_MEMORY_MB = 2048
#: Rows per message from the reader process: small enough to overlap, big enough to be cheap.
_BATCH_ROWS = 4096
#: A reader still busy after this long is stopped (the bounds above keep real reads far below).
READER_TIMEOUT_S = 300.0


#: The program the child runs: only the standard library and python_calamine, so it starts in
#: a few tens of milliseconds. It reads the workbook from stdin and writes one pickle.
_CHILD = r"""
import io, pickle, resource, sys
limit, max_rows, max_columns, batch = map(int, sys.argv[1:5])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
data = sys.stdin.buffer.read()
out = sys.stdout.buffer

def send(message):
    blob = pickle.dumps(message, protocol=5)
    out.write(len(blob).to_bytes(8, "little"))
    out.write(blob)
    out.flush()

try:
    import python_calamine
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheet = book.get_sheet_by_name(sys.argv[5])
    # calamine sizes its grid from the real cells, never from the dimension claim
    last_row, last_column = (sheet.end[0] + 1, sheet.end[1] + 1) if sheet.end else (0, 0)
    if last_row > max_rows or last_column > max_columns:
        send(("extent", last_row, last_column))
    else:
        # iter_rows starts at row 1 but at the first used column: pad to column A, as
        # to_python(skip_empty_area=False) does
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        rows = []
        for row in sheet.iter_rows():
            rows.append(pad + row if pad else row)
            if len(rows) == batch:
                send(("rows", rows))
                rows = []
        send(("rows", rows))
        send(("end",))
except MemoryError:
    send(("memory",))
except BaseException as exc:
    send(("error", type(exc).__name__, str(exc)[:500]))
"""

_ALLOWED_GLOBALS = {("datetime", name) for name in ("datetime", "date", "time", "timedelta")}


class _CellUnpickler(pickle.Unpickler):
    """Only plain values and datetime types: the child parsed untrusted bytes."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} from the reader")


class ReaderFailed(Exception):
    """The reader process did not read the sheet: ``kind`` is extent (too big), memory,
    crash, timeout or error."""

    def __init__(self, kind: str, detail: str = "", error_type: str = "") -> None:
        super().__init__(detail or kind)
        self.kind = kind
        self.detail = detail
        self.error_type = error_type


def read_sheet_isolated(
    data: bytes, sheet: str, settings: Settings, *, memory_mb: int = READER_MEMORY_MB
) -> list[list[Any]]:
    """The sheet's rows as calamine's ``to_python`` gives them, read in a child process with a
    memory limit.

    The rows come back in batches while the child is still converting, so unpickling here
    overlaps the child's work. Raises :class:`ReaderFailed` when the child finds the sheet too
    big, runs out of memory, dies or reports an error.
    """
    limit = memory_mb * 1024 * 1024
    command = [
        sys.executable,
        "-P",  # the working folder is not searched for modules; PYTHONPATH still is
        "-c",
        _CHILD,
        str(limit),
        str(settings.max_rows),
        str(settings.max_columns),
        str(_BATCH_ROWS),
        sheet,
    ]
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(  # noqa: S603 - our own interpreter and program
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors
        )
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            child.kill()

        deadline = threading.Timer(READER_TIMEOUT_S, expire)
        deadline.start()
        try:
            message = _receive(child, data)
        finally:
            deadline.cancel()
            if child.poll() is None:
                child.kill()
            child.wait()
            for pipe in (child.stdin, child.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()  # type: ignore[union-attr]
        if message is None:
            errors.seek(0)
            said = errors.read(1 << 16)
            if timed_out.is_set():
                raise ReaderFailed("timeout", f"no answer in {READER_TIMEOUT_S:g} s")
            memory = b"memory allocation" in said or b"MemoryError" in said
            raise ReaderFailed("memory" if memory else "crash", f"exit status {child.returncode}")
    if message[0] == "end":
        return message[1]
    if message[0] == "memory":
        raise ReaderFailed("memory")
    if message[0] == "extent":
        raise ReaderFailed("extent", f"A1:{column_letter(message[2] - 1)}{message[1]}")
    raise ReaderFailed("error", message[2], message[1])


def _receive(child: subprocess.Popen[bytes], data: bytes) -> tuple[Any, ...] | None:
    """Feed the workbook to the child and collect its answer; None when it died first."""
    assert child.stdin is not None and child.stdout is not None
    try:
        child.stdin.write(data)
        child.stdin.close()
    except BrokenPipeError:
        return None
    rows: list[list[Any]] = []
    while True:
        head = child.stdout.read(8)
        if len(head) < 8:
            return None
        size = int.from_bytes(head, "little")
        blob = child.stdout.read(size)
        if len(blob) < size:
            return None
        try:
            message = _CellUnpickler(io.BytesIO(blob)).load()
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError) as exc:
            raise ReaderFailed("crash", f"unreadable answer ({exc})") from exc
        if not isinstance(message, tuple) or not message:
            raise ReaderFailed("crash", "unreadable answer")
        if message[0] == "rows":
            rows.extend(message[1])
        elif message[0] == "end":
            return ("end", rows)
        else:
            return tuple(message)
