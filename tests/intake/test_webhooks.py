"""Webhook URLs Telnyx must never be told to call: refused at intake, one issue on the cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from porting_batch.validation import check_webhook_url

from .conftest import Reader, good_row, write_csv

LOCAL = [
    "https://169.254.169.254/latest/meta-data",
    "http://10.0.0.1/hook",
    "http://[::1]/hook",
    "http://127.0.0.1:8080/hook",
    "http://0x7f000001/hook",
    "http://2130706433/hook",
    "http://0177.0.0.1/hook",
    "http://127.1/hook",
    "http://localhost/hook",
    "https://LOCALHOST./hook",
    "http://events.localhost/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://192.168.1.20/hook",
    "http://[fe80::1]/hook",
    "https://metadata.google.internal/computeMetadata",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/hook",
]


@pytest.mark.parametrize("url", LOCAL, ids=lambda url: url.split("/")[2])
def test_local_private_and_metadata_addresses_are_refused_on_their_cell(
    tmp_path: Path, read: Reader, url: str
) -> None:
    """Every spelling of this machine, a private network or metadata is one error with the fix."""
    intake = read(write_csv(tmp_path / "b.csv", [good_row(webhook_url=url)]))
    [issue] = [i for i in intake.issues if i.column == "webhook_url"]
    assert (issue.code, issue.row, issue.value, issue.is_error) == (
        "webhook_local_address",
        2,
        url,
        True,
    )
    assert issue.column_letter and "public https://" in issue.hint
    assert intake.rows[0].errors


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/hook", "file:///etc/passwd", "javascript:alert(1)", "gopher://x/"],
)
def test_other_schemes_are_refused(tmp_path: Path, read: Reader, url: str) -> None:
    """Only http and https webhooks are accepted."""
    intake = read(write_csv(tmp_path / "b.csv", [good_row(webhook_url=url)]))
    [issue] = [i for i in intake.issues if i.column == "webhook_url"]
    assert issue.code == "invalid_url" and intake.rows[0].errors


@pytest.mark.parametrize(
    "url",
    ["https://ops:hunter2@example.com/hook", "https://ops@example.com/hook"],
    ids=["user-and-password", "user-only"],
)
def test_credentials_in_the_url_are_refused_and_never_repeated(
    tmp_path: Path, read: Reader, url: str
) -> None:
    """user:pass@ is refused; the issue and the row's raw cell no longer hold it."""
    intake = read(write_csv(tmp_path / "b.csv", [good_row(webhook_url=url)]))
    [issue] = [i for i in intake.issues if i.column == "webhook_url"]
    assert issue.code == "webhook_credentials" and "remove the user:pass@" in issue.hint
    assert issue.value == "https://••••@example.com/hook"
    assert intake.rows[0].raw["webhook_url"] == issue.value
    assert "hunter2" not in repr(intake) and "ops@" not in repr(intake)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/porting-events",
        "https://hooks.example.com:8443/a?b=1",
        "http://8.8.8.8/hook",
        "https://[2606:4700:4700::1111]/hook",
        "https://10.example.com/hook",
    ],
)
def test_public_webhooks_pass(tmp_path: Path, read: Reader, url: str) -> None:
    """Public names and addresses are accepted as they were typed."""
    assert check_webhook_url(url) is None
    intake = read(write_csv(tmp_path / "b.csv", [good_row(webhook_url=url)]))
    assert [i for i in intake.issues if i.column == "webhook_url"] == []
    assert intake.rows[0].values["webhook_url"] == url
