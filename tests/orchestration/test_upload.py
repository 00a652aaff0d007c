"""The upload page's calls, in process (httpx's ASGI transport): no Prefect server, no browser.

The run starter is the page's own seam (what ``serve`` passes is the Prefect client's call), so
these tests record what it was asked to start.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from flows.upload import UploadRefused, build_app, check_binding, safe_name
from porting_batch.errors import ConfigError
from porting_batch.settings import Settings

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "input_templates" / "sample"
SAMPLE = SAMPLE_DIR / "sample-batch.xlsx"


pytestmark = pytest.mark.anyio


def _page(tmp_path: Path, **more) -> tuple[httpx.AsyncClient, list[Path], Settings]:
    ops = Settings(
        inbox_dir=tmp_path / "root",
        state_dir=tmp_path / "state",
        out_dir=tmp_path / "reports",
        **more,
    )
    started: list[Path] = []

    async def start_run(sheet: Path) -> str:
        started.append(sheet)
        return "http://prefect.example/runs/flow-run/1"

    transport = httpx.ASGITransport(app=build_app(ops, start_run))
    return httpx.AsyncClient(transport=transport, base_url="http://page"), started, ops


async def _upload(
    client: httpx.AsyncClient, *files: Path, headers: dict[str, str] | None = None
) -> str:
    upload_id = (await client.post("/uploads", headers=headers)).json()["id"]
    for path in files:
        answer = await client.put(
            f"/uploads/{upload_id}/files/{path.name}", content=path.read_bytes(), headers=headers
        )
        assert answer.status_code == 200, answer.text
    return str(upload_id)


async def test_page_checks_the_sample_then_starts_a_run_on_the_complete_folder(tmp_path):
    """The sheet and its PDFs are checked at once, then moved into uploads/ in one step and
    handed to the run starter, whose link comes back."""
    client, started, ops = _page(tmp_path)
    assert "Upload a port-in batch" in (await client.get("/")).text
    pdfs = sorted(SAMPLE_DIR.glob("*.pdf"))
    upload_id = await _upload(client, SAMPLE, *pdfs)
    checked = (await client.post(f"/uploads/{upload_id}/check")).json()
    assert checked["sheet"] == SAMPLE.name and checked["rows"] > 0 and checked["errors"] == 0
    answer = (await client.post(f"/uploads/{upload_id}/start")).json()
    assert answer["run_url"].endswith("/runs/flow-run/1")
    (sheet,) = started
    assert sheet.parent.parent == ops.inbox_dir.absolute() / "uploads"
    assert sorted(p.name for p in sheet.parent.iterdir()) == sorted(
        [SAMPLE.name, *(p.name for p in pdfs)]
    )
    assert list((ops.inbox_dir / ".uploads").iterdir()) == []
    assert (await client.post(f"/uploads/{upload_id}/start")).status_code == 404


async def test_page_shows_the_issues_of_a_sheet_without_its_pdfs(tmp_path):
    """The sheet alone: the missing documents are reported as issues by the validate-only path."""
    client, started, _ = _page(tmp_path)
    upload_id = await _upload(client, SAMPLE)
    checked = (await client.post(f"/uploads/{upload_id}/check")).json()
    assert checked["errors"] > 0
    assert any(severity == "error" for severity, _ in checked["issues"])
    assert started == []


async def test_an_upload_over_the_size_limit_is_refused_and_leaves_no_file(tmp_path):
    """Past PORTING_UPLOAD_MAX_MB the file is refused with 413 and nothing half-written stays."""
    client, _, ops = _page(tmp_path, upload_max_mb=0.001)
    upload_id = (await client.post("/uploads")).json()["id"]
    answer = await client.put(f"/uploads/{upload_id}/files/big.csv", content=b"x" * 5000)
    assert answer.status_code == 413 and "PORTING_UPLOAD_MAX_MB" in answer.json()["error"]
    assert list((ops.inbox_dir / ".uploads" / upload_id).iterdir()) == []


@pytest.mark.parametrize("name", ["../x.csv", ".hidden.csv", "notes.txt", "a\\b.csv"])
def test_only_plain_spreadsheet_and_pdf_names_are_taken(name):
    """Paths, hidden names and other kinds of file are refused."""
    with pytest.raises(UploadRefused):
        safe_name(name)


async def test_a_token_when_set_is_required_on_every_call(tmp_path):
    """With PORTING_UPLOAD_TOKEN set, a call without it (or with another) is refused."""
    client, _, _ = _page(tmp_path, upload_token=SecretStr("s3cret"))
    assert (await client.get("/")).status_code == 401
    assert (await client.post("/uploads", headers={"X-Upload-Token": "wrong"})).status_code == 401
    assert (await client.get("/?token=s3cret")).status_code == 200
    assert (await client.post("/uploads", headers={"X-Upload-Token": "s3cret"})).status_code == 200


def test_binding_beyond_loopback_needs_a_token():
    """0.0.0.0 without a token is refused with the setting to set; with one it is accepted."""
    with pytest.raises(ConfigError, match="PORTING_UPLOAD_TOKEN"):
        check_binding(Settings(upload_host="0.0.0.0"))
    check_binding(Settings(upload_host="0.0.0.0", upload_token=SecretStr("t")))
    check_binding(Settings())
