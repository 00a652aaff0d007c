"""The parameters of a port-in run: one pydantic model, so the Prefect UI renders a typed form
(titles, descriptions, enumerations, bounds) and refuses bad values before a run is created."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from porting_batch.foc import FocPolicy
from porting_batch.intake import is_spreadsheet
from porting_batch.runner import BatchOptions


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
    confirm: bool = Field(
        False,
        title="Confirm orders",
        description="Submit the orders to Telnyx. Leave off to stop at complete draft orders.",
    )
    dry_run: bool = Field(
        False,
        title="Dry run",
        description="Check and plan only: nothing is created or changed at Telnyx.",
    )
    foc_policy: FocPolicy = Field(
        FocPolicy.REQUESTED,
        title="FOC policy",
        description=(
            "'requested': the requested FOC when an allowed window holds it, else the next "
            "allowed time; 'earliest': the earliest allowed time."
        ),
    )
    batch_name: str | None = Field(
        None,
        title="Batch name",
        description="Name of the batch (default: the file's name). Same name = same batch.",
        max_length=120,
    )
    csr_policy: Literal["off", "warn", "hold"] | None = Field(
        None,
        title="CSR check",
        description=(
            "Read each account's losing-carrier record (CSR) before ordering: 'off', 'warn' "
            "(differences become warnings on their cells) or 'hold' (accounts with differences "
            "stay drafts, even when confirming). Default from PORTING_CSR_POLICY (warn)."
        ),
    )
    out_dir: str | None = Field(
        None, title="Reports folder", description="Where the report folder is written."
    )
    requests_per_second: float | None = Field(
        None,
        title="Requests per second",
        description="Client-side pacing of API calls (default from PORTING_REQUESTS_PER_SECOND).",
        gt=0,
        le=1000,
    )
    max_in_flight: int | None = Field(
        None,
        title="Requests in flight",
        description="Most API requests at once (default from PORTING_MAX_IN_FLIGHT).",
        ge=1,
        le=256,
    )

    def options(self) -> BatchOptions:
        """The library's options for this request."""
        return BatchOptions(
            confirm=self.confirm,
            dry_run=self.dry_run,
            batch_name=self.batch_name,
            foc_policy=self.foc_policy,
        )

    def settings_overrides(self) -> dict[str, Any]:
        """The settings this request overrides."""
        overrides: dict[str, Any] = {}
        if self.requests_per_second is not None:
            overrides["requests_per_second"] = self.requests_per_second
        if self.max_in_flight is not None:
            overrides["max_in_flight"] = self.max_in_flight
        if self.out_dir:
            overrides["out_dir"] = Path(self.out_dir)
        if self.csr_policy is not None:
            overrides["csr_policy"] = self.csr_policy
        return overrides


def spreadsheets_in(folder: Path) -> list[Path]:
    """The spreadsheets of a folder, by name; office lock files and hidden files skipped."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and is_spreadsheet(p) and not p.name.startswith(".")
    )
