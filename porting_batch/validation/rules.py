"""The order the intake rules run in, over a sheet's rows and its cleaned columns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from porting_batch.columns import COLUMN_NAMES
from porting_batch.issues import Issue
from porting_batch.settings import Settings
from porting_batch.validation.accounts import collapse_account_issues
from porting_batch.validation.collector import Rules
from porting_batch.validation.consistency import (
    check_account_consistency,
    check_address_country,
    check_duplicates,
    check_full_port_has_btn,
    check_order_ref_consistency,
    check_partial_includes_btn,
)
from porting_batch.validation.date_rules import check_dates
from porting_batch.validation.documents import check_documents, check_missing_documents
from porting_batch.validation.fields import (
    check_account_is_btn,
    check_address,
    check_choices,
    check_countries,
    check_port_type,
    check_required,
    normalise_tags,
    per_distinct,
)
from porting_batch.validation.phones import check_billing_numbers, check_phone_numbers
from porting_batch.validation.template_fields import (
    check_eu_identifiers,
    check_resp_org,
    check_time_zones,
)
from porting_batch.validation.webhooks import check_webhooks

if TYPE_CHECKING:
    from porting_batch.intake import InputRow


def validate(
    rows: list[InputRow],
    cleaned: Mapping[str, list[str]],
    *,
    settings: Settings,
    folder: Path,
    today: date,
) -> list[Issue]:
    """Normalise every row's values in place and return the issues the rules find.

    Rules run column by column over distinct values (accounts repeat their values on every
    row), so a 100,000-row batch costs one check per distinct value, not per cell.
    """
    empty = [""] * len(rows)
    columns = {name: list(cleaned.get(name, empty)) for name in COLUMN_NAMES}
    rules = Rules(rows, columns, settings, folder, today)
    check_required(rules)
    check_choices(rules)
    check_countries(rules)
    check_phone_numbers(rules)
    check_billing_numbers(rules)
    per_distinct(rules, ("country_code", "administrative_area", "postal_code"), check_address)
    per_distinct(
        rules,
        ("port_type", "remaining_numbers_action", "new_billing_phone_number"),
        check_port_type,
    )
    check_resp_org(rules)
    check_eu_identifiers(rules)
    check_time_zones(rules)
    check_dates(rules)
    check_documents(rules)
    check_webhooks(rules)
    per_distinct(rules, ("tags",), normalise_tags)
    per_distinct(rules, ("account_number", "billing_phone_number"), check_account_is_btn)
    check_missing_documents(rules)
    columns["customer_type"] = [value or "business" for value in columns["customer_type"]]
    for row, texts in zip(rows, zip(*columns.values(), strict=True), strict=True):
        row.values = dict(zip(COLUMN_NAMES, texts, strict=True))
    check_duplicates(rules)
    check_account_consistency(rules)
    check_order_ref_consistency(rules)
    check_partial_includes_btn(rules)
    check_full_port_has_btn(rules)
    check_address_country(rules)
    # Last: an account's rows share its values, so one mistake is one issue, not one per row.
    collapse_account_issues(rules)
    order = {name: index for index, name in enumerate(COLUMN_NAMES)}
    rules.issues.sort(key=lambda issue: (issue.row, order.get(issue.column, -1)))
    return rules.issues
