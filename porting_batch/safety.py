"""Text safety for everything porting-batch writes where people read: reports, CSVs, comments.

Four defences, shared by every writer:

* secrets (PINs, account numbers) are masked but for their last two characters;
* control characters, which Excel refuses or shows as ``_x000B_`` noise, are removed;
* text is capped at Excel's cell limit (32,767 UTF-16 units) with a visible marker;
* text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``...) is kept text,
  without touching phone numbers written in E.164, which begin with ``+``.
"""

from __future__ import annotations

import re
import unicodedata

#: Excel's limit on the characters of one cell, counted in UTF-16 code units.
EXCEL_CELL_LIMIT = 32_767

#: Appended to text cut at :data:`EXCEL_CELL_LIMIT`, so a reader knows something is missing.
TRUNCATION_MARKER = " …[truncated]"

MASK_CHAR = "•"

# Below this length no text can reach the cell limit, even counted in UTF-16 units.
_SHORT = EXCEL_CELL_LIMIT // 2

#: Characters a spreadsheet reads as the start of a formula (tab and CR too: OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START_SET = frozenset(FORMULA_STARTS)

# C0 controls except tab, LF and CR; DEL; C1 controls; lone surrogates and the two
# non-characters XML 1.0 forbids. Tab and line breaks are legitimate inside a cell.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# A phone number as operators and E.164 write it: '+', then digits and separators. With no
# letters it can name no function and no cell, so it is data and must keep its '+'.
_PHONE = re.compile(r"\+[0-9 ()\-.]*[0-9][0-9 ()\-.]*")

_HEADER_WORDS = re.compile(r"[a-z0-9]+")
_SECRET_WORDS = ("pin", "pins", "passcode", "password")
_PIN_PREFIXES = ("passcode", "pinpasscode", "pincode")
# Account headers that name something other than the account number itself.
_ACCOUNT_NOT_NUMBER = frozenset({"type", "name", "holder", "owner", "manager", "status", "kind"})


def mask_secret(value: str | None) -> str:
    """Mask all but the last two characters: ``'12345642'`` -> ``'••••••42'``.

    Values of two characters or fewer are masked entirely, since their last two characters
    would be all of them. Surrounding whitespace is ignored; an empty value (or None) stays
    empty.
    """
    if value is None:
        return ""
    text = strip_controls(str(value)).strip()
    if not text:
        return ""
    if len(text) <= 2:
        return MASK_CHAR * len(text)
    return MASK_CHAR * (len(text) - 2) + text[-2:]


def strip_controls(value: str) -> str:
    """Remove control characters (tab and line breaks are kept)."""
    return _CONTROL.sub("", value)


def cap_text(value: str, limit: int = EXCEL_CELL_LIMIT) -> str:
    """Cut text longer than ``limit`` UTF-16 units and end it with :data:`TRUNCATION_MARKER`."""
    # Most text is short: only count UTF-16 units when the length could exceed the limit.
    if len(value) * 2 <= limit or _utf16_len(value) <= limit:
        return value
    room = limit - _utf16_len(TRUNCATION_MARKER)
    cut = value[:room]
    while _utf16_len(cut) > room:
        cut = cut[: len(cut) - max(1, (_utf16_len(cut) - room) // 2)]
    return cut + TRUNCATION_MARKER


def safe_text(value: object) -> str:
    """Text fit for any cell: control characters removed, capped at Excel's limit with a marker."""
    # Fast path: most cells are short printable ASCII, which needs no change at all.
    if (
        isinstance(value, str)
        and len(value) <= _SHORT
        and value.isascii()
        and value.isprintable()
        and value.__class__ is str
    ):
        return value
    if value is None:
        return ""
    return cap_text(strip_controls(str(value)))


def is_phone_like(value: str) -> bool:
    """Whether ``value`` is a plain phone number starting with '+' (E.164 or punctuated)."""
    return _PHONE.fullmatch(value) is not None


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet would read ``value`` as a formula; phone numbers never do here."""
    return bool(value) and value[0] in _FORMULA_START_SET and not is_phone_like(value)


def csv_safe(value: object) -> str:
    """Text for a CSV cell: :func:`safe_text`, and an apostrophe before formula-looking text.

    ``'+13125552486'`` and ``'+1 (312) 555-2486'`` are left as they are; ``'=HYPERLINK(...)'``
    becomes ``"'=HYPERLINK(...)"``, which spreadsheets show as text.
    """
    text = safe_text(value)
    if looks_like_formula(text):
        return "'" + text
    return text


def normalise_header(header: str) -> str:
    """A header as compared: NFKC, casefolded, non-breaking spaces as spaces, trimmed."""
    return unicodedata.normalize("NFKC", header).replace("\xa0", " ").casefold().strip()


def is_secret_header(header: str) -> bool:
    """Whether an operator's column header names a PIN, passcode or account number.

    Matches whole words (``'PIN'``, ``'Account #'``, ``'account_number'``, ``'AcctNo'``), so
    ``'Shipping address'`` is not taken for a PIN, and account headers that name something
    else (``'Account type'``, ``'Account holder name'``) are not taken for account numbers.
    """
    words = _HEADER_WORDS.findall(normalise_header(header).replace("_", " "))
    if any(word in _SECRET_WORDS or word.startswith(_PIN_PREFIXES) for word in words):
        return True
    if any(word.startswith(("account", "acct")) for word in words):
        return not any(word in _ACCOUNT_NOT_NUMBER for word in words)
    return False


def _utf16_len(value: str) -> int:
    return len(value.encode("utf-16-le")) // 2
