"""Values as a losing carrier's clerk compares them with its customer service record.

A clerk forgives case, punctuation, spacing, the usual abbreviations (Inc/Incorporated,
St/Street, Ste/Suite), how a suite or unit is written, and a ZIP+4 against its ZIP; anything
else is a difference that gets the order rejected. The simulator has its own reading of the
same rule (it must not share code with the client side); this one is the library's.
"""

from __future__ import annotations

import re

#: Words a clerk reads as the same, each folded to one spelling.
SAME_WORD = {
    "inc": "incorporated",
    "corp": "corporation",
    "co": "company",
    "ltd": "limited",
    "llc": "llc",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "blvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "ct": "court",
    "hwy": "highway",
    "pkwy": "parkway",
    "pl": "place",
    "sq": "square",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
    "mt": "mount",
    "ft": "fort",
}
#: Ways to name a suite or unit: all of them read as one designator.
UNIT_WORDS = frozenset({"suite", "ste", "unit", "apt", "apartment", "room", "rm"})
_NOT_WORD = re.compile(r"[^0-9a-z#]+")
_UNIT_MARK = "#"
_ZIP = re.compile(r"^\s*(\d{5})(?:[\s-]*\d{4})?\s*$")


def fold(value: object) -> str:
    """Words as a clerk reads them: case, punctuation, spacing and abbreviations folded."""
    text = _NOT_WORD.sub(" ", str(value or "").lower().replace("&", " and "))
    text = text.replace("#", f" {_UNIT_MARK} ")
    words = []
    for word in text.split():
        words.append(_UNIT_MARK if word in UNIT_WORDS else SAME_WORD.get(word, word))
    # "# 200" and "#200" are one designator; a lone "#" before nothing is noise.
    joined = " ".join(words).replace(f"{_UNIT_MARK} ", _UNIT_MARK)
    return joined.removesuffix(f" {_UNIT_MARK}").removesuffix(_UNIT_MARK).strip()


def split_unit(value: object) -> tuple[str, str]:
    """A folded street line as (the street, its suite or unit), "" when it names none."""
    folded = fold(value)
    at = folded.find(_UNIT_MARK)
    if at < 0:
        return folded, ""
    return folded[:at].strip(), folded[at:].strip()


def postal(value: object) -> str:
    """A postal code as compared: a US ZIP+4 is its ZIP; others without spaces, upper-case."""
    text = str(value or "")
    match = _ZIP.match(text)
    if match:
        return match.group(1)
    return re.sub(r"[\s-]+", "", text).upper()


def digits(value: object) -> str:
    """A phone number's digits, without a leading NANP 1."""
    found = re.sub(r"\D", "", str(value or ""))
    return found[1:] if len(found) == 11 and found.startswith("1") else found


def identifier(value: object) -> str:
    """An account number as compared: letters and digits only, upper-case."""
    return re.sub(r"[^0-9A-Za-z]", "", str(value or "")).upper()


def same_words(left: object, right: object) -> bool:
    """Whether a clerk reads two names or places as the same."""
    return fold(left) == fold(right)
