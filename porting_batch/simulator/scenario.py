"""Scenario files: per-number and per-prefix fact overrides, and each account's CSR record.

Shape (JSON or YAML)::

    profile: realistic             # optional: lenient (default) or realistic
    numbers:                       # key: a full +E.164 number, or a prefix ending in "*"
      "+13125550100": {portable: false, not_portable_reason: "Number is disconnected"}
      "+1415555*": {phone_number_type: mobile, fast_portable: false}
    accounts:                      # the losing carrier's customer service record (CSR)
      - numbers: ["+1312555*"]     # same key syntax as above
        csr_available: true        # false: CSR requests for these numbers fail
        csr_settles: true          # false: CSR requests for these numbers stay pending
        admin: {entity_name: "Acme Inc.", auth_person_name: "Jo Doe", account_number: "A1",
                billing_phone_number: "+13125550100", pin_passcode: "1234"}
        location: {street_address: "1 Main St", locality: "Chicago",
                   administrative_area: "IL", postal_code: "60601", country_code: "US"}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from porting_batch.simulator.config import PROFILES
from porting_batch.simulator.numbers import OVERRIDABLE, NumberFacts, derive_facts


class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message names the file and the key."""


@dataclass
class Account:
    """One end user's account at the losing carrier, as its CSR shows it."""

    patterns: tuple[str, ...]
    admin: dict[str, str] = field(default_factory=dict)
    location: dict[str, str] = field(default_factory=dict)
    csr_available: bool = True
    csr_settles: bool = True

    def covers(self, phone_number: str) -> bool:
        """Whether this account holds ``phone_number``."""
        return any(_matches(pattern, phone_number) for pattern in self.patterns)


def _matches(pattern: str, phone_number: str) -> bool:
    if pattern.endswith("*"):
        return phone_number.startswith(pattern[:-1])
    return phone_number == pattern


@dataclass
class Scenario:
    """Overrides and accounts; an empty scenario leaves every built-in fact alone."""

    exact: dict[str, dict[str, Any]] = field(default_factory=dict)
    prefixes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)
    profile: str | None = None

    def facts(self, phone_number: str) -> NumberFacts:
        """The facts for a number: built-in, then the longest matching prefix, then exact."""
        facts = derive_facts(phone_number)
        merged: dict[str, Any] = {}
        for prefix, overrides in self.prefixes:
            if phone_number.startswith(prefix):
                merged.update(overrides)
                break
        merged.update(self.exact.get(phone_number, {}))
        return facts.with_overrides(merged)

    def account_for(self, phone_number: str) -> Account | None:
        """The first account holding this number, if the scenario names one."""
        for account in self.accounts:
            if account.covers(phone_number):
                return account
        return None


def load_scenario(source: Path | str | dict[str, Any] | None) -> Scenario:
    """Read a scenario from a JSON or YAML file, or take it as a dict; None gives an empty one."""
    if source is None:
        return Scenario()
    where, data = _read(source)
    if data is None:
        return Scenario()
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: the top level must be a mapping with numbers/accounts")
    unknown = set(data) - {"numbers", "accounts", "profile"}
    if unknown:
        raise ScenarioError(f"{where}: unknown top-level keys {sorted(unknown)}")
    scenario = Scenario()
    if data.get("profile") is not None:
        if data["profile"] not in PROFILES:
            raise ScenarioError(
                f"{where}: profile {data['profile']!r} is not one of {', '.join(PROFILES)}"
            )
        scenario.profile = str(data["profile"])
    _add_numbers(scenario, where, data.get("numbers") or {})
    _add_accounts(scenario, where, data.get("accounts") or [])
    return scenario


def _read(source: Path | str | dict[str, Any]) -> tuple[str, Any]:
    """Where the scenario came from (for messages), and its parsed content."""
    if isinstance(source, dict):
        return "scenario", source
    path = Path(source)
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{where}: cannot read the scenario file ({exc})") from exc
    try:
        return where, json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{where}: not valid JSON or YAML ({exc})") from exc


def _add_numbers(scenario: Scenario, where: str, numbers: dict[Any, Any]) -> None:
    """The ``numbers`` overrides: exact numbers, and prefixes longest first."""
    for key, overrides in numbers.items():
        if not isinstance(overrides, dict):
            raise ScenarioError(f"{where}: numbers[{key!r}] must be a mapping of facts")
        bad = set(overrides) - OVERRIDABLE
        if bad:
            raise ScenarioError(
                f"{where}: numbers[{key!r}] has unknown facts {sorted(bad)}; "
                f"known: {sorted(OVERRIDABLE)}"
            )
        if str(key).endswith("*"):
            scenario.prefixes.append((str(key)[:-1], dict(overrides)))
        else:
            scenario.exact[str(key)] = dict(overrides)
    scenario.prefixes.sort(key=lambda item: len(item[0]), reverse=True)


def _add_accounts(scenario: Scenario, where: str, accounts: list[Any]) -> None:
    """The ``accounts``: each one's numbers and its CSR record."""
    for index, raw in enumerate(accounts):
        if not isinstance(raw, dict) or not raw.get("numbers"):
            raise ScenarioError(f"{where}: accounts[{index}] needs a 'numbers' list")
        scenario.accounts.append(
            Account(
                patterns=tuple(str(n) for n in raw["numbers"]),
                admin={k: str(v) for k, v in (raw.get("admin") or {}).items()},
                location={k: str(v) for k, v in (raw.get("location") or {}).items()},
                csr_available=bool(raw.get("csr_available", True)),
                csr_settles=bool(raw.get("csr_settles", True)),
            )
        )
