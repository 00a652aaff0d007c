"""The input template's column catalogue: one place that says what each column means.

The template writer, the reader, the validation rules and the Instructions sheet all read this
catalogue, so a column is described once. Each column has an API name (``entity_name``: the
canonical name everything else uses) and a header in the operator's words ("Business name");
the columns themselves are defined in :mod:`porting_batch.columns_account` and
:mod:`porting_batch.columns_order`, then the ones template 2.0 added in
:mod:`porting_batch.columns_extra`. The other headers operators give a column ("TN",
"Zip Code") and the matching of a header to its column live in
:mod:`porting_batch.header_aliases`; ``canonical_column`` and ``header_key`` are importable
from here too.
"""

from __future__ import annotations

from porting_batch.column_spec import CONDITIONAL, OPTIONAL, REQUIRED, Column
from porting_batch.columns_account import ACCOUNT_COLUMNS
from porting_batch.columns_extra import EXTRA_COLUMNS
from porting_batch.columns_order import FOC_TIME_ZONE_NOTE, ORDER_COLUMNS, TIME_ZONES
from porting_batch.header_aliases import ALIASES, canonical_column, header_key

TEMPLATE_VERSION = "2.0"
NUMBERS_SHEET = "Numbers"
INSTRUCTIONS_SHEET = "Instructions"
#: The hidden sheet that holds the drop-downs' longer lists (countries, states, time zones).
LISTS_SHEET = "Lists"
#: The first cell of the template's example row starts with this; the reader skips that row.
EXAMPLE_MARK = "EXAMPLE"

COLUMNS: tuple[Column, ...] = ACCOUNT_COLUMNS + ORDER_COLUMNS + EXTRA_COLUMNS

COLUMN_BY_NAME: dict[str, Column] = {column.name: column for column in COLUMNS}
COLUMN_NAMES: tuple[str, ...] = tuple(column.name for column in COLUMNS)
REQUIRED_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.required)
ORDER_LEVEL_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.order_level)
SECRET_COLUMNS: frozenset[str] = frozenset(c.name for c in COLUMNS if c.secret)
#: Columns whose cells should hold text: a number cell may have lost a '+' or leading zeros.
IDENTIFIER_COLUMNS: frozenset[str] = frozenset(c.name for c in COLUMNS if c.text_formatted)
PHONE_COLUMNS: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.kind == "phone")
ENUMERATIONS: dict[str, tuple[str, ...]] = {c.name: c.choices for c in COLUMNS if c.choices}
#: The header the template writes for each canonical column ("Business name *").
COLUMN_TITLES: tuple[str, ...] = tuple(column.title for column in COLUMNS)

#: Common causes of rejection an operator can check before sending (the Instructions sheet).
REJECTION_CHECKLIST: tuple[str, ...] = (
    "Service address and ZIP exactly as on the losing carrier's record (the most common "
    "rejection): use the service address, not the billing address.",
    "Entity name spelled as on the bill: 'Inc.' versus 'Incorporated' is a mismatch.",
    "Authorized person is the one on the account and the one who signs the LOA.",
    "BTN (billing telephone number) is the account's main number, one per account.",
    "Account number and PIN exactly as on the bill; mobile numbers always need both.",
    "One account per order: rows of different accounts never share an order group.",
    "Partial ports: say keep or disconnect for the remaining numbers, and give a new BTN "
    "when the BTN itself moves.",
    "Every number is on the account and active; check typos by dialling them.",
    "No other port or account change for these numbers is in flight.",
    "LOA signed, legible, dated within 90 days and listing every number; toll-free LOAs "
    "carry the Resp Org form.",
    "Invoice from the losing carrier, 30 days old or newer.",
    "No DSL, alarm, elevator or fax lines unless you know they move too.",
    "No unpaid balance or port freeze on the losing account.",
)

__all__ = [
    "ALIASES",
    "COLUMNS",
    "COLUMN_BY_NAME",
    "COLUMN_NAMES",
    "COLUMN_TITLES",
    "CONDITIONAL",
    "ENUMERATIONS",
    "EXAMPLE_MARK",
    "FOC_TIME_ZONE_NOTE",
    "IDENTIFIER_COLUMNS",
    "INSTRUCTIONS_SHEET",
    "LISTS_SHEET",
    "NUMBERS_SHEET",
    "OPTIONAL",
    "ORDER_LEVEL_COLUMNS",
    "PHONE_COLUMNS",
    "REJECTION_CHECKLIST",
    "REQUIRED",
    "REQUIRED_COLUMNS",
    "SECRET_COLUMNS",
    "TEMPLATE_VERSION",
    "TIME_ZONES",
    "Column",
    "canonical_column",
    "header_key",
]
