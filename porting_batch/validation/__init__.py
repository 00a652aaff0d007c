"""The intake rules: each problem becomes an Issue naming the cell, the value and the fix.

Errors leave the row out of the run; warnings do not. Rules that need the portability answers
(mobile numbers need a PIN and an account number) run later, in ``second_pass``.

Modules: ``reference`` (countries, states, provinces), ``dates`` (the date parser and FOC
arithmetic), ``documents`` (LOA and invoice files), ``collector`` (the rows and the issues
found), ``fields`` and ``phones`` (per-cell rules), ``date_rules``, ``webhooks``,
``consistency`` (cross-row rules), ``portability`` (``second_pass``) and ``rules``
(``validate``: the order they run in).
"""

from __future__ import annotations

from porting_batch.validation.collector import mask, numeric_cell_issue, row_list
from porting_batch.validation.dates import (
    FOC_DEFAULT_TIME,
    FOC_LEAD_BUSINESS_DAYS,
    ParsedDate,
    add_business_days,
    foc_moment,
    parse_date,
)
from porting_batch.validation.documents import MAX_DOCUMENT_BYTES, DocumentCheck, check_document
from porting_batch.validation.portability import second_pass
from porting_batch.validation.reference import CA_PROVINCES, ISO_COUNTRIES, US_STATES
from porting_batch.validation.rules import validate
from porting_batch.validation.webhooks import check_webhook_url

__all__ = [
    "CA_PROVINCES",
    "FOC_DEFAULT_TIME",
    "FOC_LEAD_BUSINESS_DAYS",
    "ISO_COUNTRIES",
    "MAX_DOCUMENT_BYTES",
    "US_STATES",
    "DocumentCheck",
    "ParsedDate",
    "add_business_days",
    "check_document",
    "check_webhook_url",
    "foc_moment",
    "mask",
    "numeric_cell_issue",
    "parse_date",
    "row_list",
    "second_pass",
    "validate",
]
