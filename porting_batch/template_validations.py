"""The Numbers sheet's data validations: drop-downs, date, length and pattern checks, prompts.

Excel shows a prompt of at most 255 characters and a title of at most 32, and a validation's
formula is relative to the first data cell (row 2), so ``$C2`` follows the row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from porting_batch.column_spec import CONDITIONAL, REQUIRED, Column
from porting_batch.columns import COLUMN_NAMES

#: Excel's limits for a validation's input message and its title.
PROMPT_LIMIT = 255
TITLE_LIMIT = 32
#: Defined names of the lists on the hidden Lists sheet.
COUNTRIES_NAME = "Countries"
US_STATES_NAME = "States_US"
CA_PROVINCES_NAME = "Provinces_CA"
TIME_ZONES_NAME = "TimeZones"
#: Dates the date cells accept: a typo of a century is refused, any real port date is not.
EARLIEST_DATE = datetime(2000, 1, 1)
LATEST_DATE = datetime(2100, 12, 31)
#: Separators a phone cell may hold around its digits.
_PHONE_SEPARATORS = (" ", "-", "(", ")", ".", "+")


def fit(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, cut after a sentence or a word, never inside one."""
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    sentence = room.rfind(". ")
    if sentence >= limit // 2:
        return room[: sentence + 1]
    return room[: room.rfind(" ")].rstrip(",;:") + "…"


def requirement_text(column: Column) -> str:
    """'Required.', 'Required for mobile numbers.' or 'Optional.'."""
    if column.requirement == REQUIRED:
        return "Required."
    if column.requirement == CONDITIONAL:
        return f"Required {column.when_required}."
    return "Optional."


def prompt(column: Column) -> dict[str, Any]:
    """The input title and message Excel shows when a cell of ``column`` is selected."""
    example = f" Example: {column.example}" if column.example else ""
    message = f"{requirement_text(column)} {column.description}{example}"
    if len(message) > PROMPT_LIMIT and example:
        # the example matters more than the description's last sentence
        room = PROMPT_LIMIT - len(example) - len(requirement_text(column)) - 1
        message = f"{requirement_text(column)} {fit(column.description, room)}{example}"
    return {
        "input_title": fit(column.header or column.name, TITLE_LIMIT),
        "input_message": fit(message, PROMPT_LIMIT),
    }


def _ref(name: str, absolute_column: bool = False) -> str:
    letter = xl_col_to_name(COLUMN_NAMES.index(name))
    return f"${letter}2" if absolute_column else f"{letter}2"


def _phone_formula(cell: str) -> str:
    stripped = cell
    for separator in _PHONE_SEPARATORS:
        stripped = f'SUBSTITUTE({stripped},"{separator}","")'
    # 8 to 15 digits: log10 of the number between 7 and 15; a range ("... to 2010") passes
    return f'=OR(ISNUMBER(SEARCH("to",{cell})),IFERROR(ABS(LOG10(--{stripped})-11)<4,FALSE))'


def _postal_formula(cell: str) -> str:
    country = _ref("country_code", absolute_column=True)
    return (
        f'=IF({country}="CA",OR(LEN({cell})=6,LEN({cell})=7),'
        f'IF(OR({country}="US",{country}=""),'
        f"AND(OR(LEN({cell})=5,LEN({cell})=10),ISNUMBER(--LEFT({cell},5))),LEN({cell})<=10))"
    )


def _warning(title: str, message: str) -> dict[str, Any]:
    return {"error_type": "warning", "error_title": title, "error_message": message}


def _stop(title: str, message: str) -> dict[str, Any]:
    return {"error_type": "stop", "error_title": title, "error_message": message}


def _check(column: Column) -> dict[str, Any]:
    """The validation proper of ``column``: what its cells may hold."""
    cell = _ref(column.name)
    if column.choices:
        return {"validate": "list", "source": list(column.choices)} | _stop(
            "Not in the list", f"Choose one of: {', '.join(column.choices)}"
        )
    if column.kind == "country":
        return {"validate": "list", "source": f"={COUNTRIES_NAME}"} | _stop(
            "Not a country code", "Give the 2-letter ISO country code: US, CA, GB..."
        )
    if column.name == "administrative_area":
        country = _ref("country_code", absolute_column=True)
        source = f'=IF({country}="CA",{CA_PROVINCES_NAME},{US_STATES_NAME})'
        return {"validate": "list", "source": source} | _warning(
            "Not a US or CA state code",
            "US and CA addresses take the 2-letter code (IL, ON). Keep it for another country.",
        )
    if column.kind == "zone":
        return {"validate": "list", "source": f"={TIME_ZONES_NAME}"} | _warning(
            "Not in the list", "Give an IANA time zone name such as America/Chicago."
        )
    if column.kind in {"date", "datetime"}:
        check = _stop if column.kind == "date" else _warning
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": EARLIEST_DATE,
            "maximum": LATEST_DATE,
        } | check("Not a date", "Give a date such as 2026-12-21 (year-month-day).")
    if column.kind == "phone":
        return {"validate": "custom", "value": _phone_formula(cell)} | _warning(
            "Not a phone number", "Give 8 to 15 digits (+1 312 555 0142), or a range."
        )
    if column.kind == "postal":
        return {"validate": "custom", "value": _postal_formula(cell)} | _warning(
            "Check the ZIP or postal code", "US: 60601 or 60601-1234. Canada: M5V 3L9."
        )
    if column.name == "pin_passcode":
        formula = f'=AND(LEN({cell})>=4,LEN({cell})<=15,ISERROR(FIND(" ",{cell})))'
        return {"validate": "custom", "value": formula} | _warning(
            "Check the PIN", "A PIN or passcode is 4 to 15 characters, without spaces."
        )
    if column.name == "resp_org":
        return {"validate": "length", "criteria": "==", "value": 5} | _stop(
            "Not a RespOrg ID", "A RespOrg ID has 5 characters, such as TWC01."
        )
    return {"validate": "any"}


def validation(column: Column) -> dict[str, Any]:
    """The whole data validation of ``column``'s cells: its check and its prompt."""
    return _check(column) | prompt(column)
