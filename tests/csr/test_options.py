"""How the CSR policy is chosen: the setting's default, --csr on run, the flow's field."""

from __future__ import annotations

import pytest

from flows.cli.parser import build_parser
from flows.cli.run import csr_override
from flows.parameters import PortInRequest
from porting_batch.settings import Settings


def test_the_policy_defaults_to_warn_with_a_two_minute_deadline():
    """Without a setting, differences are warnings and CSRs are polled for 120 s."""
    fields = Settings.model_fields
    assert fields["csr_policy"].default == "warn"
    assert fields["csr_deadline_s"].default == 120.0
    assert fields["csr_refresh"].default is False


@pytest.mark.parametrize("policy", ["off", "warn", "hold"])
def test_csr_on_run_overrides_the_setting(policy):
    """`run --csr hold` becomes csr_policy=hold; no flag leaves the setting alone."""
    args = build_parser().parse_args(["run", "sheet.csv", "--csr", policy])
    assert csr_override(args) == {"csr_policy": policy}
    assert csr_override(build_parser().parse_args(["run", "sheet.csv"])) == {}


def test_the_flow_request_passes_the_policy_as_a_setting():
    """The flow's csr_policy field is a settings override, absent when not given."""
    assert PortInRequest(spreadsheet="x.csv", csr_policy="hold").settings_overrides() == {
        "csr_policy": "hold"
    }
    assert "csr_policy" not in PortInRequest(spreadsheet="x.csv").settings_overrides()
