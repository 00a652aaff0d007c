"""`porting-batch` in this process, without Prefect: exit codes, operator messages, progress,
interruptions. The API is the simulator in-process (ASGITransport), handed to `main`."""

from __future__ import annotations

import asyncio
import csv
import json
import os
import shutil
import signal
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from flows.cli import main
from porting_batch.batch_lock import hold_batch
from porting_batch.client import PortingClient
from porting_batch.errors import IntakeError
from porting_batch.intake import read_batch
from porting_batch.ledger import Ledger
from porting_batch.settings import Settings
from porting_batch.simulator import SimulatorConfig, create_app

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "input_templates" / "sample"
SAMPLE = SAMPLE_DIR / "sample-batch.xlsx"
#: Bounds a hang in a test that waits for an event; never reached when things work.
HANG_S = 60.0

#: Until the ledger's hold (w-ledger) and run_batch's wiring (w-batch) are merged, the hold is
#: a placeholder that holds nothing: the busy-batch test is expected to fail, strictly.

Refuse = Callable[[httpx.Request], httpx.Response | None]


class Steered(httpx.AsyncBaseTransport):
    """The simulator, except where ``refuse`` answers first; ``after`` sees each answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, refuse: Refuse | None = None) -> None:
        self.inner = inner
        self.refuse = refuse
        self.after: Callable[[httpx.Request], asyncio.Future[None] | None] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Answer from ``refuse`` if it has an answer, else from the simulator."""
        answer = self.refuse(request) if self.refuse else None
        if answer is None:
            answer = await self.inner.handle_async_request(request)
        if self.after is not None:
            hold = self.after(request)
            if hold is not None:
                await asyncio.wait_for(hold, HANG_S)
        return answer


class Api:
    """One simulator shared by every command of a test, and the factory `main` takes."""

    def __init__(self) -> None:
        self.app = create_app(SimulatorConfig())
        self.refuse: Refuse | None = None
        self.after: Callable[[httpx.Request], asyncio.Future[None] | None] | None = None

    @asynccontextmanager
    async def open(self, settings: Settings) -> AsyncIterator[PortingClient]:
        """A client over the simulator, paced and retried as the settings say."""
        transport = Steered(httpx.ASGITransport(app=self.app), self.refuse)
        transport.after = self.after
        async with PortingClient(
            base_url="http://sim/v2",
            api_key="KEYSIMULATOR",
            transport=transport,
            max_retries=settings.max_retries,
            max_in_flight=settings.max_in_flight,
        ) as client:
            yield client

    def orders(self) -> list[dict[str, object]]:
        """Every order the simulator holds, with its numbers."""

        async def read() -> list[dict[str, object]]:
            async with PortingClient(
                base_url="http://sim/v2",
                api_key="KEYSIMULATOR",
                transport=httpx.ASGITransport(app=self.app),
            ) as client:
                found = []
                async for order in client.list_orders():
                    listed = await client.list_porting_phone_numbers(porting_order_id=order.id)
                    numbers = [n.phone_number for n in listed]
                    found.append({"id": order.id, "numbers": numbers})
                return found

        return asyncio.run(read())


@pytest.fixture
def api():
    """The in-process simulator for this test."""
    return Api()


@pytest.fixture
def where(tmp_path, monkeypatch):
    """State and reports in the test's folder; no Prefect server configured; cwd there."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    for name in [k for k in os.environ if k.startswith("PORTING_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PORTING_CSR_POLICY", "off")  # reading CSRs is tests/csr's subject
    return tmp_path


def _args(where: Path) -> list[str]:
    return ["--state", str(where / "state"), "--out", str(where / "reports")]


def _csv_sample(where: Path, edit: Callable[[list[dict[str, str]]], None]) -> Path:
    """The sample as CSV beside its PDFs, rows edited by ``edit``."""
    import openpyxl

    folder = where / "batch"
    folder.mkdir(exist_ok=True)
    for pdf in SAMPLE_DIR.glob("*.pdf"):
        shutil.copy(pdf, folder / pdf.name)
    book = openpyxl.load_workbook(SAMPLE, read_only=True)
    rows = [
        ["" if v is None else str(v) for v in r]
        for r in book["Numbers"].iter_rows(values_only=True)
    ]
    book.close()
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    edit(body)
    target = folder / "edited.csv"
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(body)
    return target


def test_run_without_prefect_completes_the_sample_and_exits_0(where, api, capsys):
    """`run` without PREFECT_API_URL runs the library's steps here: every row reaches its
    outcome, the summary counts created orders, and the exit code is 0."""
    code = main(["run", str(SAMPLE), *_args(where)], open_api=api.open)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ready_as_draft     43" in out
    assert "Reports: " in out
    assert (where / "state" / "logs" / "porting-batch.log").exists()


def test_rows_with_errors_exit_2_and_show_the_first_errors_with_their_cells(where, api, capsys):
    """A run whose file has rows with errors exits 2 and names the first bad cells."""

    def break_two(rows: list[dict[str, str]]) -> None:
        rows[0]["phone_number"] = "312-555-01"
        rows[1]["phone_number"] = "not a number"

    sheet = _csv_sample(where, break_two)
    code = main(["run", str(sheet), *_args(where)], open_api=api.open)
    out = capsys.readouterr().out
    assert code == 2, out
    assert "First errors" in out
    assert "A2 (phone_number): '312-555-01'" in out


def test_an_unreadable_file_exits_2_with_one_line(where, api, capsys):
    """A file that is not a spreadsheet: one line naming it, a report, exit 2."""
    bad = where / "not-a-sheet.xlsx"
    bad.write_text("this is not a workbook", encoding="utf-8")
    code = main(["run", str(bad), *_args(where)], open_api=api.open)
    captured = capsys.readouterr()
    assert code == 2
    (line,) = captured.err.strip().splitlines()
    assert "not-a-sheet.xlsx" in line and "Traceback" not in captured.err


def test_an_unreadable_file_is_to_be_fixed_not_run_again_as_it_is(where, api, capsys):
    """A file missing columns: the summary says NOT RUN and to fix the file, once, not rerun."""
    bad = where / "header-only.csv"
    bad.write_text("phone_number,entity_name\n", encoding="utf-8")
    code = main(["run", str(bad), *_args(where)], open_api=api.open)
    out = capsys.readouterr().out
    assert code == 2, out
    assert "NOT RUN: header-only.csv" in out and "fix the file, then run" in out
    assert "INCOMPLETE" not in out and "First errors" not in out
    assert out.count("required column(s) missing") == 1, out


def test_a_flow_runs_summary_of_an_unreadable_file_says_to_fix_it(tmp_path, capsys):
    """Through Prefect: the batch summary of a refused file says NOT RUN and to fix the file."""
    from flows.cli import print_summary
    from porting_batch.runner import failed_intake_result

    bad = tmp_path / "old.xls"
    bad.write_bytes(b"not a workbook")
    settings = Settings(out_dir=tmp_path / "reports")
    with pytest.raises(IntakeError) as caught:
        read_batch(bad, settings)
    print_summary(failed_intake_result(settings, bad, caught.value).summary("reports/old"))
    out = capsys.readouterr().out
    assert "NOT RUN: old.xls: '.xls' is not a spreadsheet type" in out, out
    assert "fix the file, then run the same command again" in out and "INCOMPLETE" not in out


def test_simulator_advance_moves_the_state_folders_simulator_and_names_what_moved(where, capsys):
    """31 days on, a draft the built-in simulator saved is deleted; the command says so."""
    state_file = where / "state" / "simulator.db"
    state_file.parent.mkdir()
    app = create_app(SimulatorConfig(state_file=state_file))
    transport = httpx.ASGITransport(app=app)

    async def draft() -> None:
        async with httpx.AsyncClient(transport=transport, base_url="http://sim/v2") as http:
            response = await http.post(
                "/porting_orders",
                json={"phone_numbers": ["+13125550101"]},
                headers={"Authorization": "Bearer KEYSIMULATOR"},
            )
            assert response.status_code == 201, response.text

    asyncio.run(draft())
    app.state.sim.store.close()
    code = main(["simulator", "advance", "31d", "--state", str(where / "state")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "1 order(s) moved: 1 deleted" in out and "porting-batch track" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["simulator", "advance", "2 weeks"], "'2 weeks' is not a duration: write it as 2d"),
        (["simulator", "advance", "2d"], "no built-in simulator here yet; run a batch first"),
    ],
)
def test_simulator_advance_refuses_a_bad_duration_or_no_simulator_in_one_line(
    where, capsys, argv, message
):
    """A duration it cannot read, or a state folder no run used: exit 2, one line."""
    code = main([*argv, "--state", str(where / "state")])
    captured = capsys.readouterr()
    assert code == 2
    (line,) = captured.err.strip().splitlines()
    assert message in line, line
    assert not (where / "state" / "simulator.db").exists()


def _refuse_patch(request: httpx.Request) -> httpx.Response | None:
    if request.method == "PATCH" and "/porting_orders/" in request.url.path:
        body = {
            "errors": [
                {
                    "code": "10015",
                    "title": "Invalid value",
                    "detail": "entity_name does not match the losing carrier's record",
                    "source": {"pointer": "/end_user/admin/entity_name"},
                }
            ]
        }
        return httpx.Response(422, json=body)
    return None


def test_orders_the_api_refused_exit_3(where, api, capsys):
    """When the API refuses an order's data, the run exits 3 and lists those orders."""
    api.refuse = _refuse_patch
    code = main(["run", str(SAMPLE), *_args(where)], open_api=api.open)
    out = capsys.readouterr().out
    assert code == 3, out
    assert "need attention" in out.lower() or "needs_attention" in out


def test_an_api_failure_leaves_the_run_incomplete_exit_1_without_a_traceback(
    where, api, capsys, monkeypatch
):
    """The API failing every check: exit 1, one clear line, the traceback-free console."""
    monkeypatch.setenv("PORTING_MAX_RETRIES", "0")
    api.refuse = lambda r: httpx.Response(503) if "portability" in r.url.path else None
    code = main(["run", str(SAMPLE), *_args(where)], open_api=api.open)
    captured = capsys.readouterr()
    assert code == 1, captured.out
    assert "INCOMPLETE" in captured.out and "run the same command again" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_an_unexpected_error_prints_one_line_and_logs_the_traceback(where, api, capsys):
    """A bug shows as one line pointing at the log file; the traceback is only in the log."""

    def explode(request: httpx.Request) -> httpx.Response | None:
        raise RuntimeError("transport exploded")

    api.refuse = explode
    code = main(["run", str(SAMPLE), *_args(where)], open_api=api.open)
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.out + captured.err
    log = where / "state" / "logs" / "porting-batch.log"
    assert str(log) in captured.err
    assert "Traceback" in log.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("signum", "expected"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["int", "term"]
)
def test_a_signal_mid_create_ends_cleanly_and_the_rerun_makes_no_duplicate(
    where, api, capsys, signum, expected
):
    """SIGINT/SIGTERM right after an order was created (its answer not yet read) ends the run
    with a line on how to resume and 130/143; the same command again completes without a
    second order for any number."""
    sent: list[str] = []

    def interrupt_after_first_create(request: httpx.Request) -> asyncio.Future[None] | None:
        create = request.method == "POST" and request.url.path.endswith("/porting_orders")
        if create and not sent:
            sent.append(request.url.path)
            os.kill(os.getpid(), signum)
            return asyncio.get_running_loop().create_future()  # cancelled by the signal
        return None

    api.after = interrupt_after_first_create
    code = main(["run", str(SAMPLE), *_args(where)], open_api=api.open)
    captured = capsys.readouterr()
    assert (code, sent) == (expected, ["/v2/porting_orders"])
    assert "run the same command again" in captured.err
    assert "Traceback" not in captured.out + captured.err

    api.after = None
    assert main(["run", str(SAMPLE), *_args(where)], open_api=api.open) == 0
    assert "ready_as_draft     43" in capsys.readouterr().out
    numbers = [n for order in api.orders() for n in order["numbers"]]
    assert numbers and len(numbers) == len(set(numbers))


def test_a_bad_setting_is_one_line_naming_the_variable_exit_2(where, monkeypatch, capsys):
    """PORTING_MAX_IN_FLIGHT=0: one line with the variable, the value and what is allowed."""
    monkeypatch.setenv("PORTING_MAX_IN_FLIGHT", "0")
    code = main(["validate", str(SAMPLE)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.strip() == "error: PORTING_MAX_IN_FLIGHT=0: must be at least 1"


def test_every_bad_setting_gets_its_own_line(where, monkeypatch, capsys):
    """Two bad settings, two lines; a secret's value is never shown."""
    monkeypatch.setenv("PORTING_REQUESTS_PER_SECOND", "fast")
    monkeypatch.setenv("PORTING_API", "telnyx")
    monkeypatch.setenv("PORTING_API_KEY", "KEYSECRET123")
    monkeypatch.setenv("PORTING_CHECK_CHUNK_SIZE", "5000")
    code = main(["run", str(SAMPLE)])
    err = capsys.readouterr().err
    assert code == 2
    assert sorted(err.splitlines()) == [
        "error: PORTING_CHECK_CHUNK_SIZE=5000: must be at most 1000",
        "error: PORTING_REQUESTS_PER_SECOND=fast: must be a number",
    ]
    assert "KEYSECRET123" not in err
    assert not (where / "state").exists()


def test_flags_reach_the_settings_without_touching_the_environment(where, api):
    """--state and --out are passed to the run, not written into os.environ."""
    before = dict(os.environ)
    assert main(["run", str(SAMPLE), "--dry-run", *_args(where)], open_api=api.open) == 0
    assert dict(os.environ) == before
    assert (where / "state" / "ledger.db").exists() and any((where / "reports").iterdir())


def test_confirm_and_dry_run_together_are_refused(where, capsys):
    """--confirm --dry-run contradict each other: refused with exit 2, nothing run."""
    with pytest.raises(SystemExit) as refused:
        main(["run", str(SAMPLE), "--confirm", "--dry-run"])
    assert refused.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert not (where / "state").exists()


@pytest.mark.parametrize("command", ["clean", "track", "report"])
def test_an_unknown_batch_is_refused_and_no_state_folder_is_made(where, api, capsys, command):
    """`clean/track/report nosuch` say the batch is unknown (exit 2) and create nothing."""
    code = main([command, "nosuch"])
    assert code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "nosuch" in line and "ledger" in line
    assert not (where / "state").exists()
    main(["run", str(SAMPLE), "--dry-run", "--state", str(where / "s2")], open_api=api.open)
    capsys.readouterr()
    assert main([command, "nosuch", "--state", str(where / "s2")]) == 2
    assert "known: sample-batch" in capsys.readouterr().err


def test_template_never_overwrites_without_force(where, capsys):
    """`template` refuses an existing file (it may hold rows) unless --force."""
    target = where / "march.csv"
    target.write_text("phone_number\n+13125550100\n", encoding="utf-8")
    assert main(["template", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "phone_number\n+13125550100\n"
    assert main(["template", str(target), "--force"]) == 0
    assert "Authorised person" in target.read_text(encoding="utf-8-sig")


def test_run_of_a_missing_file_exits_2(where, capsys):
    """A path that does not exist: one line, exit 2, no state folder."""
    assert main(["run", str(where / "nope.xlsx")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert not (where / "state").exists()


def test_the_summary_json_of_a_run_matches_its_exit_code(where, api, capsys):
    """The report written by a direct run records the run as complete."""
    assert main(["run", str(SAMPLE), *_args(where)], open_api=api.open) == 0
    (summary,) = (where / "reports").glob("*/summary.json")
    assert json.loads(summary.read_text(encoding="utf-8"))["complete"] is True


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_cli_template_writes_a_template(tmp_path, suffix, capsys):
    """`porting-batch template PATH` writes a template of the kind its suffix names."""
    target = tmp_path / f"template{suffix}"
    assert main(["template", str(target)]) == 0
    assert target.stat().st_size > 0
    assert str(target) in capsys.readouterr().out


def _template_header() -> str:
    template = SAMPLE.parents[1] / "porting-template.csv"
    return template.read_text(encoding="utf-8-sig").splitlines()[0]


def test_cli_validate_names_the_bad_cell_and_fails(tmp_path, capsys):
    """`porting-batch validate` prints each issue with its cell and exits 2 on errors."""
    header = _template_header()
    values = {name: "" for name in header.split(",")}
    values[header.split(",")[0]] = "312-555-01"  # the template's first column: Phone number
    sheet = tmp_path / "bad.csv"
    sheet.write_text(header + "\n" + ",".join(values.values()) + "\n", encoding="utf-8")
    code = main(["validate", str(sheet), "--out", str(tmp_path / "out")])
    printed = capsys.readouterr().out
    assert code == 2
    assert "A2 (phone_number): '312-555-01'" in printed
    assert "Issues report:" in printed


def test_cli_validate_reports_a_file_it_cannot_read(tmp_path, capsys):
    """A file missing required columns gets one message naming them all, and a report."""
    sheet = tmp_path / "short.csv"
    sheet.write_text("phone_number,entity_name\n312-555-0100,Acme\n", encoding="utf-8")
    code = main(["validate", str(sheet), "--out", str(tmp_path / "out")])
    captured = capsys.readouterr()
    assert code == 2
    assert "required column(s) missing: auth_person_name" in captured.err
    assert (tmp_path / "out").exists() and any((tmp_path / "out").iterdir())


def test_a_busy_batch_is_announced_then_given_up_after_the_wait(where, api, monkeypatch, capsys):
    """While another run holds the batch, `run` says who holds it and that it waits, then
    gives up after PORTING_BATCH_WAIT_S with one line and exit 1."""
    monkeypatch.setenv("PORTING_BATCH_WAIT_S", "1")
    database = Settings(state_dir=where / "state").ledger_database_url
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        async def hold() -> None:
            with Ledger(database) as ledger:
                async with hold_batch(ledger, "sample-batch", wait_s=0, lease_s=30):
                    holding.set()
                    await asyncio.to_thread(release.wait, HANG_S)

        asyncio.run(hold())

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert holding.wait(HANG_S)
        code = main(["run", str(SAMPLE), *_args(where)], open_api=api.open)
    finally:
        release.set()
        thread.join(HANG_S)
    captured = capsys.readouterr()
    assert code == 1, captured.out
    assert "batch sample-batch is being run by" in captured.out and "waiting" in captured.out
    assert len(captured.err.strip().splitlines()) == 1


def test_a_bad_value_given_by_a_flag_names_the_flag():
    """When a flag set the value, the line names the flag rather than the variable."""
    from porting_batch.errors import ConfigError
    from porting_batch.settings import load_settings

    with pytest.raises(ConfigError) as refused:
        load_settings({"state_dir": 3, "max_in_flight": 0}, flags={"state_dir": "--state"})
    lines = str(refused.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("--state=3: ")
    assert lines[1] == "PORTING_MAX_IN_FLIGHT=0: must be at least 1"
