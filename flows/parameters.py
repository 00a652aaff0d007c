"""The parameters of a port-in run: one pydantic model, so the Prefect UI renders a typed form
(titles, descriptions, enumerations, bounds) and refuses bad values before a run is created.

Every optional field has its default as a plain value (no "or null" switch in the form): the
worker's setting applies while a field is left at its default."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from porting_batch.foc import FocPolicy
from porting_batch.settings import Settings

if TYPE_CHECKING:
    from porting_batch.runner import BatchOptions

#: What a run does: the form's one choice (two switches could both be on).
RunMode = Literal["draft", "confirm", "dry-run"]
_DEFAULTS = Settings.model_fields
#: The worker's settings a form's field stands for, when left at its default.
DEFAULT_PACE = float(_DEFAULTS["requests_per_second"].default)
DEFAULT_IN_FLIGHT = int(_DEFAULTS["max_in_flight"].default)
DEFAULT_REPORTS = str(_DEFAULTS["out_dir"].default)
CsrPolicy = Literal["off", "warn", "hold"]
DEFAULT_CSR: CsrPolicy = _DEFAULTS["csr_policy"].default


def mode_of(confirm: bool, dry_run: bool) -> RunMode:
    """The run mode of the command line's two flags (a dry run wins, as it always did)."""
    if dry_run:
        return "dry-run"
    return "confirm" if confirm else "draft"


class PortInRequest(BaseModel):
    """What to port and how."""

    model_config = ConfigDict(extra="forbid")

    spreadsheet: str = Field(
        ...,
        title="Spreadsheet",
        description=(
            "Path to the filled port-in template (.xlsx or .csv) on the worker's disk, or a "
            "folder: every spreadsheet in it runs as its own batch."
        ),
        min_length=1,
    )
    mode: RunMode = Field(
        "draft",
        title="Run mode",
        description=(
            "draft: check the numbers and make complete draft orders, nothing submitted (review "
            "the report, then confirm the batch); confirm: also submit the orders to Telnyx; "
            "dry-run: check and plan only, nothing is created or changed at Telnyx."
        ),
    )
    foc_policy: FocPolicy = Field(
        FocPolicy.REQUESTED,
        title="FOC policy",
        description=(
            "'requested': the requested FOC when an allowed window holds it, else the next "
            "allowed time; 'earliest': the earliest allowed time."
        ),
    )
    batch_name: str = Field(
        "",
        title="Batch name",
        description="Name of the batch; left empty, the file's name. Same name = same batch.",
        max_length=120,
    )
    csr_policy: CsrPolicy = Field(
        DEFAULT_CSR,
        title="CSR check",
        description=(
            "Read each account's losing-carrier record (CSR) before ordering: 'off', 'warn' "
            "(differences become warnings on their cells) or 'hold' (accounts with differences "
            f"stay drafts, even when confirming). Left at '{DEFAULT_CSR}', the worker's own "
            "setting applies."
        ),
    )
    out_dir: str = Field(
        DEFAULT_REPORTS,
        title="Reports folder",
        description=(
            "Folder on the worker's disk where each run's report folder is written (relative "
            f"to the worker's folder). Left at '{DEFAULT_REPORTS}', the worker's own setting "
            "applies."
        ),
        min_length=1,
    )
    # A plain number with a minimum (no "or null"), so that 0 is refused as "less than the
    # minimum" instead of "not valid under any of the given schemas".
    requests_per_second: float = Field(
        DEFAULT_PACE,
        title="Requests per second",
        description=(
            "Pace of the API calls, more than 0. Left at "
            f"{DEFAULT_PACE:g}, the worker's own setting applies."
        ),
        gt=0,
        le=1000,
    )
    max_in_flight: int = Field(
        DEFAULT_IN_FLIGHT,
        title="Requests in flight",
        description=(
            f"Most API requests at once, 1 to 256. Left at {DEFAULT_IN_FLIGHT}, the worker's "
            "own setting applies."
        ),
        ge=1,
        le=256,
    )

    @property
    def confirm(self) -> bool:
        """Whether the orders are submitted."""
        return self.mode == "confirm"

    @property
    def dry_run(self) -> bool:
        """Whether nothing is sent."""
        return self.mode == "dry-run"

    def options(self) -> BatchOptions:
        """The library's options for this request."""
        # Imported here: a served run imports this model (the flow's parameter) before it is
        # marked Running, and the runner package brings pandas, SQLAlchemy and openpyxl.
        from porting_batch.runner import BatchOptions

        return BatchOptions(
            confirm=self.confirm,
            dry_run=self.dry_run,
            batch_name=self.batch_name or None,
            foc_policy=self.foc_policy,
        )

    def settings_overrides(self) -> dict[str, Any]:
        """The settings this request overrides: the fields moved off their defaults (a field
        left at its default keeps the worker's own setting, from its environment)."""
        overrides: dict[str, Any] = {}
        if self.requests_per_second != DEFAULT_PACE:
            overrides["requests_per_second"] = self.requests_per_second
        if self.max_in_flight != DEFAULT_IN_FLIGHT:
            overrides["max_in_flight"] = self.max_in_flight
        if self.out_dir != DEFAULT_REPORTS:
            overrides["out_dir"] = Path(self.out_dir)
        if self.csr_policy != DEFAULT_CSR:
            overrides["csr_policy"] = self.csr_policy
        return overrides


def spreadsheets_in(folder: Path) -> list[Path]:
    """The spreadsheets of a folder, by name; office lock files and hidden files skipped."""
    from porting_batch.intake import is_spreadsheet

    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and is_spreadsheet(p) and not p.name.startswith(".")
    )


class ConfirmRequest(BaseModel):
    """Which batch to confirm, after its report was reviewed."""

    model_config = ConfigDict(extra="forbid")

    batch: str = Field(
        ...,
        title="Batch",
        description=(
            "The batch whose complete draft orders are submitted to Telnyx. The choices are "
            "the batches with drafts waiting, refreshed when serve starts and after each run."
        ),
        min_length=1,
    )
    complete_orders_only: bool = Field(
        False,
        title="Complete orders only",
        description=(
            "Confirm the complete drafts of a batch that has errors (rows with errors, orders "
            "that need attention, an unfinished run) and leave the rest. Off, such a batch is "
            "refused."
        ),
    )
