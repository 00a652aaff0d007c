"""Reference data the rules check against: countries, US states, Canadian provinces, codes."""

from __future__ import annotations

import re

import phonenumbers

#: ISO 3166 codes: every region phonenumbers knows, plus the uninhabited ones it has no plan for.
ISO_COUNTRIES: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS) | {
    "AQ",
    "BV",
    "HM",
    "PN",
    "TF",
    "UM",
}
#: The 50 states, DC and the inhabited territories (USPS codes).
# fmt: off
US_STATES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI",
})
CA_PROVINCES = frozenset({
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
})
# fmt: on
US_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
#: Canada Post's letters: D, F, I, O, Q and U never appear; W and Z never lead.
CA_POSTAL = re.compile(r"([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)")
#: What operators type into a yes/no cell, and the API's spelling of it.
BOOLEANS = {
    "yes": "true",
    "y": "true",
    "true": "true",
    "1": "true",
    "no": "false",
    "n": "false",
    "false": "false",
    "0": "false",
}
