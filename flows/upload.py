"""The upload page ``porting-batch serve`` serves: a spreadsheet and its PDFs from a browser.

An operator with only a browser cannot give the form a spreadsheet (its field is a path on the
worker's disk). This page takes the files, shows the validation issues at once (the library's
validate-only path, as ``porting-batch validate``), and starts a draft run of
``port-in-batch/manual`` on them, with a link to the run in the Prefect UI.

The browser sends each file as the raw body of its own request (no multipart parser needed).
Files land in a hidden staging folder under the inbox root, each written to a ``.part`` name and
renamed when complete; starting the run renames the whole folder into ``uploads/``, so a run
never sees a half-written upload. Loopback by default; bound anywhere else it refuses to start
without ``PORTING_UPLOAD_TOKEN``, which every request must then carry.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from flows.runtime import MANUAL
from porting_batch.errors import ConfigError, IntakeError
from porting_batch.intake import is_spreadsheet
from porting_batch.settings import Settings

#: Starts a draft run of the given spreadsheet; returns the run's address in the Prefect UI.
RunStarter = Callable[[Path], Awaitable[str]]
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
SHOWN_ISSUES = 200
_UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")
_CHUNK = 1 << 16


class UploadRefused(Exception):
    """A request the page answers with a plain message and an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_binding(ops: Settings) -> None:
    """Refuse an upload page bound other than loopback without a token."""
    if ops.upload_host not in LOOPBACK and ops.upload_token is None:
        raise ConfigError(
            f"PORTING_UPLOAD_HOST={ops.upload_host} exposes the upload page beyond this "
            "machine: set PORTING_UPLOAD_TOKEN (a long random string) or bind 127.0.0.1"
        )


def safe_name(name: str) -> str:
    """A file name as sent by the browser, if it is a plain spreadsheet or PDF name."""
    if (
        not name
        or name != Path(name).name
        or name.startswith(".")
        or "\\" in name
        or len(name) > 200
    ):
        raise UploadRefused(400, f"{name!r} is not a plain file name")
    if not (is_spreadsheet(Path(name)) or name.lower().endswith(".pdf")):
        raise UploadRefused(400, f"{name}: only spreadsheets (.xlsx, .csv) and PDFs are taken")
    return name


@dataclass
class Uploads:
    """Where uploads are staged and where complete ones go."""

    root: Path
    max_bytes: int

    @property
    def staging(self) -> Path:
        return self.root / ".uploads"

    @property
    def ready(self) -> Path:
        return self.root / "uploads"

    def new(self) -> str:
        """A fresh staging folder; its id."""
        upload_id = secrets.token_hex(8)
        (self.staging / upload_id).mkdir(parents=True)
        return upload_id

    def folder(self, upload_id: str) -> Path:
        folder = self.staging / upload_id
        if not _UPLOAD_ID.match(upload_id) or not folder.is_dir():
            raise UploadRefused(404, "no such upload (it was started already, or never made)")
        return folder

    def used(self, folder: Path) -> int:
        return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())

    def spreadsheet(self, folder: Path) -> Path:
        sheets = sorted(p for p in folder.iterdir() if is_spreadsheet(p))
        if len(sheets) != 1:
            raise UploadRefused(400, f"give exactly one spreadsheet (here: {len(sheets)})")
        return sheets[0]

    def move_into_place(self, folder: Path, sheet: Path) -> Path:
        """The complete upload, renamed from staging into ``uploads/`` in one step."""
        self.ready.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = self.ready / f"{sheet.stem}-{stamp}-{folder.name[:6]}"
        folder.rename(target)
        return target / sheet.name


async def _receive(request: Request, uploads: Uploads, folder: Path, name: str) -> int:
    """Stream one file into ``name.part``, within the upload's size limit, then rename it."""
    room = uploads.max_bytes - uploads.used(folder)
    declared = int(request.headers.get("content-length") or 0)
    if declared > room:
        raise UploadRefused(413, _too_big(uploads))
    part = folder / f".{name}.part"
    written = 0
    try:
        with part.open("wb") as out:
            async for chunk in request.stream():
                written += len(chunk)
                if written > room:
                    raise UploadRefused(413, _too_big(uploads))
                out.write(chunk)
        part.rename(folder / name)
    finally:
        part.unlink(missing_ok=True)
    return written


def _too_big(uploads: Uploads) -> str:
    return f"the upload is over {uploads.max_bytes / 1e6:g} MB (PORTING_UPLOAD_MAX_MB)"


def validate_upload(ops: Settings, sheet: Path) -> dict[str, Any]:
    """The library's validate-only path: rows, error and warning counts, the first issues."""
    from porting_batch.intake import read_batch

    try:
        intake = read_batch(sheet, ops)
    except IntakeError as exc:
        return {"rows": 0, "errors": 1, "warnings": 0, "issues": [["error", str(exc)]]}
    errors = sum(1 for i in intake.issues if i.is_error)
    shown = [[i.severity.value, i.describe()] for i in intake.issues[:SHOWN_ISSUES]]
    return {
        "rows": len(intake.rows),
        "errors": errors,
        "warnings": len(intake.issues) - errors,
        "issues": shown,
        "more": max(0, len(intake.issues) - SHOWN_ISSUES),
    }


def build_app(ops: Settings, start_run: RunStarter) -> Starlette:
    """The page and its four calls: new upload, put a file, check, start the draft run."""
    uploads = Uploads(ops.inbox_dir.expanduser().absolute(), int(ops.upload_max_mb * 1e6))
    token = ops.upload_token.get_secret_value() if ops.upload_token else None

    def allowed(request: Request) -> bool:
        given = request.headers.get("x-upload-token") or request.query_params.get("token", "")
        return token is None or hmac.compare_digest(given.encode(), token.encode())

    def guarded(handler: Callable[[Request], Awaitable[Any]]) -> Callable[..., Any]:
        async def endpoint(request: Request) -> Response:
            if not allowed(request):
                return JSONResponse({"error": "a valid upload token is required"}, 401)
            try:
                answer = await handler(request)
            except UploadRefused as refused:
                return JSONResponse({"error": str(refused)}, refused.status)
            return answer if isinstance(answer, Response) else JSONResponse(answer)

        return endpoint

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE.replace("{{MAX_MB}}", f"{ops.upload_max_mb:g}"))

    async def new(request: Request) -> dict[str, Any]:
        return {"id": uploads.new()}

    async def put_file(request: Request) -> dict[str, Any]:
        folder = uploads.folder(request.path_params["upload_id"])
        name = safe_name(request.path_params["name"])
        return {"name": name, "bytes": await _receive(request, uploads, folder, name)}

    async def check(request: Request) -> dict[str, Any]:
        folder = uploads.folder(request.path_params["upload_id"])
        sheet = uploads.spreadsheet(folder)
        return {"sheet": sheet.name, **await asyncio.to_thread(validate_upload, ops, sheet)}

    async def start(request: Request) -> dict[str, Any]:
        folder = uploads.folder(request.path_params["upload_id"])
        sheet = uploads.move_into_place(folder, uploads.spreadsheet(folder))
        return {"spreadsheet": str(sheet), "run_url": await start_run(sheet)}

    ids = "/uploads/{upload_id}"
    return Starlette(
        routes=[
            Route("/", guarded(page), methods=["GET"]),
            Route("/uploads", guarded(new), methods=["POST"]),
            Route(ids + "/files/{name}", guarded(put_file), methods=["PUT"]),
            Route(ids + "/check", guarded(check), methods=["POST"]),
            Route(ids + "/start", guarded(start), methods=["POST"]),
        ]
    )


def manual_run_starter(overrides: dict[str, str] | None = None) -> RunStarter:
    """Start a draft run of ``port-in-batch/manual`` through the Prefect client, as the form's
    Run button does; the run's address in the Prefect UI."""

    async def start(sheet: Path) -> str:
        from prefect.client.orchestration import get_client
        from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL

        parameters: dict[str, Any] = {"request": {"spreadsheet": str(sheet)}}
        if overrides:
            parameters["overrides"] = dict(overrides)
        async with get_client() as client:
            deployment = await client.read_deployment_by_name(f"port-in-batch/{MANUAL}")
            flow_run = await client.create_flow_run_from_deployment(
                deployment.id, parameters=parameters
            )
        ui = PREFECT_UI_URL.value() or str(PREFECT_API_URL.value()).removesuffix("/api")
        return f"{ui.rstrip('/')}/runs/flow-run/{flow_run.id}"

    return start


@dataclass
class UploadPage:
    """The page running in a thread of this process."""

    url: str
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        """Ask the server to stop and wait a little for it."""
        self.server.should_exit = True
        self.thread.join(timeout=5)


def start_upload_page(
    ops: Settings, overrides: dict[str, str] | None = None, start_run: RunStarter | None = None
) -> UploadPage | None:
    """Serve the page in a daemon thread (none when ``PORTING_UPLOAD_PORT`` is 0); a
    ``ConfigError`` when it would be exposed without a token or cannot listen."""
    if ops.upload_port == 0:
        return None
    check_binding(ops)
    import socket

    import uvicorn

    family = socket.AF_INET6 if ":" in ops.upload_host else socket.AF_INET
    sock = socket.socket(family)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((ops.upload_host, ops.upload_port))
    except OSError as exc:
        sock.close()
        where = f"{ops.upload_host}:{ops.upload_port}"
        raise ConfigError(f"the upload page cannot listen on {where} ({exc})") from None
    app = build_app(ops, start_run or manual_run_starter(overrides))
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    # In a thread uvicorn leaves the signals alone: serve's Ctrl-C ends the process.
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="upload-page", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)  # startup, not synchronisation of a test: the socket is already bound
    host = f"[{ops.upload_host}]" if ":" in ops.upload_host else ops.upload_host
    return UploadPage(f"http://{host}:{sock.getsockname()[1]}/", server, thread)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>porting-batch: upload a batch</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
#drop{border:2px dashed #888;border-radius:8px;padding:2rem;text-align:center}
#drop.over{background:#eef}
table{border-collapse:collapse;margin-top:1rem}td,th{border:1px solid #ccc;padding:.3rem .6rem}
.error{color:#a00}.warning{color:#a60}#status{margin-top:1rem;font-weight:600}
</style></head><body>
<h1>Upload a port-in batch</h1>
<p>Drop the filled spreadsheet (.xlsx or .csv) and its PDFs (LOA, invoice): the issues show at
once. Then start a draft run: it creates draft orders only, nothing is submitted.
At most {{MAX_MB}} MB in all.</p>
<div id="drop"><label for="files">Spreadsheet and PDFs</label>
<input id="files" type="file" multiple accept=".xlsx,.csv,.pdf"><br>or drop them here</div>
<div id="status" role="status"></div>
<div id="summary"></div>
<table id="issues" hidden><thead><tr><th>Severity</th><th>Issue</th></tr></thead>
<tbody></tbody></table>
<p><button id="start" disabled>Start draft run</button></p>
<p id="run"></p>
<script>
const token = new URLSearchParams(location.search).get("token") || "";
const headers = token ? {"X-Upload-Token": token} : {};
let upload = null;
const $ = (id) => document.getElementById(id);
async function call(method, path, body) {
  const r = await fetch(path, {method, body, headers});
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}
async function send(files) {
  $("start").disabled = true; $("run").textContent = ""; $("summary").textContent = "";
  $("issues").hidden = true; $("issues").tBodies[0].innerHTML = "";
  try {
    $("status").textContent = "Uploading...";
    upload = (await call("POST", "uploads")).id;
    for (const f of files) {
      await call("PUT", `uploads/${upload}/files/${encodeURIComponent(f.name)}`, f);
    }
    $("status").textContent = "Checking...";
    const c = await call("POST", `uploads/${upload}/check`);
    $("status").textContent =
      `${c.sheet}: ${c.rows} row(s), ${c.errors} error(s), ${c.warnings} warning(s)`;
    for (const [severity, text] of c.issues) {
      const row = $("issues").tBodies[0].insertRow();
      row.className = severity;
      row.insertCell().textContent = severity; row.insertCell().textContent = text;
    }
    $("issues").hidden = c.issues.length === 0;
    if (c.more) $("summary").textContent = `... and ${c.more} more in the run's report`;
    $("start").disabled = false;
  } catch (e) { $("status").textContent = "Refused: " + e.message; upload = null; }
}
$("files").addEventListener("change", (e) => send([...e.target.files]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault(); drop.classList.remove("over"); send([...e.dataTransfer.files]);
});
$("start").addEventListener("click", async () => {
  $("start").disabled = true;
  try {
    const r = await call("POST", `uploads/${upload}/start`);
    $("status").textContent = "Draft run started";
    const a = document.createElement("a");
    a.href = r.run_url; a.textContent = "Follow the run in Prefect"; a.target = "_blank";
    $("run").replaceChildren(a);
  } catch (e) { $("status").textContent = "Refused: " + e.message; }
  upload = null;
});
</script></body></html>
"""
