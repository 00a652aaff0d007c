"""Losing-carrier records: who each simulated number belongs to, and how a carrier compares.

Every number belongs to an account at its losing carrier; numbers that share all but their
last three digits share the account (a business usually holds a block). The record is a pure
function of the number and the seed, so a sample or bench generator can write sheets that
match it (:func:`record_for`), and the simulator rejects orders that do not.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from porting_batch.simulator.numbers import derive_facts

#: Digits of the national number that name an account (the rest pick a line in it).
LINE_DIGITS = 3

_NAMES = (
    "Acme",
    "Bluebird",
    "Cedar",
    "Dockside",
    "Evergreen",
    "Foxglove",
    "Granite",
    "Harbor",
    "Ironwood",
    "Juniper",
    "Keystone",
    "Lakeview",
)
_TRADES = ("Widgets", "Dental", "Logistics", "Bakery", "Legal", "Plumbing", "Media", "Realty")
_SUFFIXES = ("Inc.", "LLC", "Corp.", "Co.", "Ltd.", "Incorporated")
_FIRST = ("Jo", "Sam", "Alex", "Pat", "Robin", "Casey", "Morgan", "Taylor")
_LAST = ("Porter", "Nguyen", "Garcia", "Okafor", "Schmidt", "Rossi", "Kowalski", "Haddad")
_STREETS = ("Main", "Oak", "Maple", "Congress", "Lincoln", "Market", "Elm", "Lake")
_STREET_KINDS = ("St", "Street", "Ave", "Avenue", "Rd", "Blvd")
_PLACES = (
    ("Chicago", "IL", "60601"),
    ("Springfield", "IL", "62701"),
    ("Austin", "TX", "78701"),
    ("Denver", "CO", "80202"),
    ("Portland", "OR", "97204"),
    ("Columbus", "OH", "43215"),
    ("Raleigh", "NC", "27601"),
    ("Madison", "WI", "53703"),
)
#: A Canadian number's carrier keeps a Canadian service address (one an operator can type into
#: a Canadian row: province code, A1A 1A1 postal code), in Eastern time like the US default.
_CANADIAN_PLACES = (
    ("Ottawa", "ON", "K1P 5J9"),
    ("Hamilton", "ON", "L8P 4R5"),
    ("Montreal", "QC", "H3B 4W8"),
    ("Quebec City", "QC", "G1R 4S9"),
)

#: Words a carrier's clerk reads as the same (the order's and the record's are both folded).
_SAME_WORD = {
    "inc": "incorporated",
    "corp": "corporation",
    "co": "company",
    "ltd": "limited",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "blvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "ste": "suite",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class CarrierRecord:
    """The losing carrier's record of one number's end user (what its CSR shows)."""

    phone_number: str
    carrier_name: str
    spid: str | None
    account_key: str
    entity_name: str
    auth_person_name: str
    billing_phone_number: str
    account_number: str
    pin: str
    street_address: str
    locality: str
    administrative_area: str
    postal_code: str
    country_code: str
    requires_account_number: bool
    requires_pin: bool

    def admin(self) -> dict[str, str]:
        """The record as an order's ``end_user.admin`` would carry it."""
        return {
            "entity_name": self.entity_name,
            "auth_person_name": self.auth_person_name,
            "billing_phone_number": self.billing_phone_number,
            "account_number": self.account_number,
            "pin_passcode": self.pin,
        }

    def location(self) -> dict[str, str]:
        """The record as an order's ``end_user.location`` would carry it."""
        return {
            "street_address": self.street_address,
            "locality": self.locality,
            "administrative_area": self.administrative_area,
            "postal_code": self.postal_code,
            "country_code": self.country_code,
        }

    def additional_data_required(self) -> list[str]:
        """What the carrier wants before it releases a CSR (spec enum values)."""
        wanted = []
        if self.requires_account_number:
            wanted.append("account_number")
        if self.requires_pin:
            wanted.append("pin")
        return wanted


def _draw(seed: int, key: str, what: str) -> int:
    digest = hashlib.sha256(f"{seed}|{key}|{what}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _pick(options: tuple[Any, ...], seed: int, key: str, what: str) -> Any:
    return options[_draw(seed, key, what) % len(options)]


def account_key(phone_number: str) -> str:
    """The account a number belongs to: the number without its last line digits."""
    return phone_number[:-LINE_DIGITS] if len(phone_number) > LINE_DIGITS + 2 else phone_number


def record_for(phone_number: str, seed: int = 0) -> CarrierRecord:
    """The losing carrier's record for ``phone_number`` under ``seed`` (pure, deterministic)."""
    facts = derive_facts(phone_number)
    key = account_key(phone_number)
    entity = " ".join(
        (
            _pick(_NAMES, seed, key, "name"),
            _pick(_TRADES, seed, key, "trade"),
            _pick(_SUFFIXES, seed, key, "suffix"),
        )
    )
    person = f"{_pick(_FIRST, seed, key, 'first')} {_pick(_LAST, seed, key, 'last')}"
    street = (
        f"{1 + _draw(seed, key, 'house') % 9899} {_pick(_STREETS, seed, key, 'street')} "
        f"{_pick(_STREET_KINDS, seed, key, 'kind')}"
    )
    places = _CANADIAN_PLACES if facts.country_code == "CA" else _PLACES
    locality, area, postal = _pick(places, seed, key, "place")
    account = f"{_draw(seed, key, 'account') % 10**9:09d}"
    pin = f"{_draw(seed, key, 'pin') % 10**4:04d}"
    spid = facts.spid
    nanp = phone_number.startswith("+1")
    # The main (billing) number is the account's first line.
    btn = key + "0" * (len(phone_number) - len(key))
    return CarrierRecord(
        phone_number=phone_number,
        carrier_name=facts.carrier_name,
        spid=spid,
        account_key=key,
        entity_name=entity,
        auth_person_name=person,
        billing_phone_number=btn,
        account_number=account,
        pin=pin,
        street_address=street,
        locality=locality if nanp else f"{facts.country_code} City",
        administrative_area=area if nanp else "",
        postal_code=postal if nanp else f"{_draw(seed, key, 'postal') % 10**5:05d}",
        country_code=facts.country_code if facts.country_code != "ZZ" else "US",
        # Half the NANP carriers want the PIN too (the same half the lenient coverage names).
        requires_account_number=nanp and facts.phone_number_type != "toll_free",
        requires_pin=spid is not None and spid[0] in "4680",
    )


def fold(value: Any) -> str:
    """A value as a carrier compares it: case, punctuation, spacing and common
    abbreviations (Inc/Incorporated, St/Street, ...) do not matter."""
    words = _NOT_WORD.sub(" ", str(value or "").lower()).split()
    return " ".join(_SAME_WORD.get(word, word) for word in words)


def digits(value: Any) -> str:
    """Only the digits of a phone number, without a leading NANP 1."""
    found = re.sub(r"\D", "", str(value or ""))
    return found[1:] if len(found) == 11 and found.startswith("1") else found
