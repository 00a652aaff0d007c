"""The one settings object, built once at the edge (command line, flow) and passed down.

Values come, highest precedence first, from explicit arguments, ``PORTING_*`` environment
variables, then a ``.env`` file in the working directory, then the defaults below. Library code
never reads the environment itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from porting_batch.errors import ConfigError

TELNYX_BASE_URL = "https://api.telnyx.com/v2"


class Settings(BaseSettings):
    """Everything a run needs to know about where it talks to and where it keeps its state."""

    model_config = SettingsConfigDict(
        env_prefix="PORTING_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    api: Literal["simulator", "telnyx"] = Field(
        "simulator",
        description="Which API to use: the built-in simulator (default) or the real Telnyx API.",
    )
    api_base_url: str = Field(
        TELNYX_BASE_URL, description="Base URL of the porting API, including /v2."
    )
    api_key: SecretStr | None = Field(None, description="Telnyx API key (a secret; never printed).")

    state_dir: Path = Field(Path("state"), description="Folder for the ledger and simulator state.")
    out_dir: Path = Field(Path("reports"), description="Folder under which each run's reports go.")
    ledger_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the ledger; default is SQLite in the state folder.",
    )

    check_chunk_size: int = Field(100, ge=1, le=1000, description="Numbers per portability check.")
    requests_per_second: float = Field(20.0, gt=0, description="Client-side request pacing.")
    max_in_flight: int = Field(8, ge=1, le=256, description="Most API requests in flight at once.")
    connect_timeout_s: float = Field(5.0, gt=0)
    read_timeout_s: float = Field(30.0, gt=0)
    max_retries: int = Field(4, ge=0, le=20)

    max_input_mb: float = Field(50.0, gt=0, description="Largest spreadsheet accepted, in MB.")
    max_unpacked_mb: float = Field(
        400.0, gt=0, description="Largest unpacked size of an XLSX (its zip members), in MB."
    )
    max_rows: int = Field(250_000, ge=1, description="Most rows one sheet may have.")
    max_columns: int = Field(256, ge=1, description="Most columns one sheet may have.")
    max_range_size: int = Field(1000, ge=1, description="Most numbers one range may expand to.")
    default_region: str = Field("US", min_length=2, max_length=2)

    batch_wait_s: float = Field(
        600.0, ge=0, description="How long a run waits for its batch while another run holds it."
    )
    batch_lease_s: float = Field(
        30.0, ge=5, description="How long a run's hold on its batch lasts without a heartbeat."
    )
    reference_secret: SecretStr | None = Field(
        None,
        description="Secret key of the order references; default: a random key kept in "
        "the state folder (reference.key). Several machines sharing a ledger share it.",
    )

    simulator_scenario: Path | None = Field(
        None, description="Scenario file (JSON or YAML) for the built-in simulator."
    )
    simulator_speed: float = Field(
        1.0, gt=0, description="How fast the simulator's clock runs, relative to real time."
    )

    # How the served deployments run (docs/operating.md): inbox, schedule.
    inbox_dir: Path = Field(
        Path("inbox"), description="Root of inbox/, processing/, done/ and failed/."
    )
    inbox_max_runs: int = Field(2, ge=1, le=32, description="Inbox batches running at once.")
    inbox_interval_s: float = Field(
        300.0,
        ge=5,
        description="Seconds between the watcher's safety-net looks (a drop's own event starts "
        "its run at once; this look only catches what an event missed).",
    )
    inbox_settle_s: float = Field(
        2.0, ge=0, le=600, description="Seconds between the two looks that prove a file complete."
    )
    inbox_confirm: bool = Field(False, description="Confirm (submit) the orders of inbox runs.")
    inbox_dry_run: bool = Field(False, description="Inbox runs only check and plan.")
    schedule_cron: str = Field("0 6 * * 1-5", description="Cron of the scheduled runs.")
    schedule_timezone: str = Field(
        "America/Chicago", description="IANA time zone the cron is read in."
    )
    scheduled_dir: Path = Field(
        Path("scheduled"), description="Folder whose spreadsheets the scheduled runs take."
    )
    scheduled_confirm: bool = Field(False, description="Confirm the orders of scheduled runs.")

    # Deadlines the tracking report warns about (porting_batch.deadlines, docs/reports.md).
    draft_warning_days: int = Field(
        5, ge=0, le=30, description="Warn this many days before Telnyx deletes a draft (30 days)."
    )
    exception_window_days: int = Field(
        3, ge=1, le=30, description="Business days the losing carrier waits for an exception fix."
    )

    # The webhook receiver (``porting-batch webhooks``, docs/operating.md).
    webhook_public_key: str | None = Field(
        None,
        description="Ed25519 public key (base64, 32 bytes) that signs the webhooks, as the "
        "Telnyx portal or `porting-batch simulator` shows it; the receiver refuses to start "
        "without it.",
    )
    webhook_host: str = Field("127.0.0.1", description="Address the webhook receiver binds.")
    webhook_port: int = Field(8780, ge=0, le=65535, description="Port of the webhook receiver.")
    webhook_path: str = Field("/webhooks/telnyx", description="Path the webhooks are POSTed to.")

    # The track-orders deployment (flows/deployments.py, docs/operating.md).
    track_interval_s: float = Field(
        900.0, ge=60, description="Seconds between scheduled track-orders runs (15 minutes)."
    )

    # The upload page ``porting-batch serve`` serves (flows/upload.py, docs/operating.md).
    upload_host: str = Field("127.0.0.1", description="Address the upload page binds.")
    upload_port: int = Field(
        8790, ge=0, le=65535, description="Port of the upload page (0: no upload page)."
    )
    upload_token: SecretStr | None = Field(
        None,
        description="Token the upload page asks for; required when it binds other than loopback.",
    )
    upload_max_mb: float = Field(
        50.0, gt=0, le=2048, description="Largest upload (a sheet and its PDFs together), in MB."
    )

    @field_validator("webhook_public_key")
    @classmethod
    def _ed25519_key(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        from porting_batch.webhooks.signature import load_public_key

        try:
            load_public_key(value)
        except ConfigError:
            raise ValueError(
                "not an Ed25519 public key (base64 of 32 bytes); copy it from the Telnyx "
                "portal, or from what `porting-batch simulator` prints"
            ) from None
        return value.strip()

    @field_validator("webhook_path")
    @classmethod
    def _absolute_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must start with /, like /webhooks/telnyx")
        return value

    # The losing carrier's record (CSR) read before the orders (docs/pipeline.md, "CSR").
    csr_policy: Literal["off", "warn", "hold"] = Field(
        "warn",
        description="Read each account's CSR before ordering: off, warn (differences are "
        "warnings) or hold (accounts with differences stay drafts, even under --confirm).",
    )
    csr_deadline_s: float = Field(
        120.0,
        ge=0,
        le=86_400,
        description="How long a run polls CSRs before reporting them pending.",
    )
    csr_refresh: bool = Field(
        False, description="Ask the carrier again even for accounts whose CSR the ledger holds."
    )

    @field_validator("schedule_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"PORTING_SCHEDULE_TIMEZONE={value!r} is not an IANA time zone; "
                "write it like America/Chicago or Europe/Paris"
            ) from exc
        return value

    @field_validator("schedule_cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        if len(value.split()) != 5:
            raise ValueError(
                f"PORTING_SCHEDULE_CRON={value!r} is not a 5-field cron; "
                "write it like '0 6 * * 1-5' (06:00 Monday to Friday)"
            )
        return value

    @model_validator(mode="after")
    def _telnyx_needs_a_key(self) -> Settings:
        if self.api == "telnyx" and self.api_key is None:
            raise ValueError(
                "PORTING_API is 'telnyx' but PORTING_API_KEY is not set; "
                "set the key, or leave PORTING_API unset to use the built-in simulator"
            )
        return self

    @property
    def ledger_database_url(self) -> str:
        """The ledger's SQLAlchemy URL: the configured one, else SQLite under the state folder."""
        if self.ledger_url:
            return self.ledger_url
        return f"sqlite:///{(self.state_dir / 'ledger.db').resolve()}"

    @property
    def simulator_state_file(self) -> Path:
        """Where a simulator started by a command keeps its state between runs."""
        return self.state_dir / "simulator.db"

    def public_summary(self) -> dict[str, object]:
        """Settings safe to show in a report: no secrets."""
        data = self.model_dump(exclude={"api_key", "reference_secret", "upload_token"}, mode="json")
        data["api_key"] = "set" if self.api_key is not None else "not set"
        data["upload_token"] = "set" if self.upload_token is not None else "not set"
        data["reference_secret"] = "set" if self.reference_secret is not None else "not set"
        return data


#: Fields whose value is a secret: an error names the variable, never the value.
_SECRET_FIELDS = frozenset({"api_key", "reference_secret", "upload_token"})


def _allowed(error: Mapping[str, Any]) -> str:
    """What the value should have been, in an operator's words."""
    context = error.get("ctx") or {}
    kind = error.get("type", "")
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "greater_than": ("more than", "gt"),
        "less_than_equal": ("at most", "le"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {context.get(key)}"
    if kind == "literal_error":
        return f"must be one of {context.get('expected')}"
    if kind in {"int_parsing", "int_from_float"}:
        return "must be a whole number"
    if kind == "float_parsing":
        return "must be a number"
    if kind == "bool_parsing":
        return "must be true or false"
    if kind in {"string_too_short", "string_too_long"}:
        limits = {k: v for k, v in context.items() if k in ("min_length", "max_length")}
        return "has the wrong length: " + ", ".join(f"{k} {v}" for k, v in limits.items())
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")


def _shown(value: Any) -> str:
    """A value as typed: bare when that is unambiguous, quoted when blank or spaced."""
    text = str(value)
    return text if text and not any(c.isspace() for c in text) else repr(text)


def settings_error_lines(exc: ValidationError, flags: Mapping[str, str] | None = None) -> list[str]:
    """One line per bad setting: the variable (or the command-line flag that set it), the value
    and what is allowed. ``flags`` maps field names to the flag an operator used for them."""
    flags = flags or {}
    lines = []
    for error in exc.errors():
        loc = error.get("loc") or ()
        if not loc:
            lines.append(_allowed(error))  # a rule over several settings names them itself
            continue
        name = str(loc[0])
        where = flags.get(name) or f"PORTING_{name.upper()}"
        shown = "(hidden)" if name in _SECRET_FIELDS else _shown(error.get("input"))
        why = _allowed(error)
        if why.startswith(f"PORTING_{name.upper()}="):
            lines.append(why if where.startswith("PORTING_") else f"{where}: {why}")
        else:
            lines.append(f"{where}={shown}: {why}")
    return lines


def load_settings(
    overrides: Mapping[str, Any] | None = None, *, flags: Mapping[str, str] | None = None
) -> Settings:
    """Build the settings at the edge; a bad value raises ``ConfigError`` whose message is one
    line per bad setting (see :func:`settings_error_lines`), never a pydantic dump."""
    try:
        return Settings(**dict(overrides or {}))
    except ValidationError as exc:
        raise ConfigError("\n".join(settings_error_lines(exc, flags))) from None
