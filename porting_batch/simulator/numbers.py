"""Number facts, derived deterministically from the number itself (docs/simulator.md, table).

A scenario may override any fact for a number or a prefix; see :mod:`.scenario`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberType

E164 = re.compile(r"^\+[1-9]\d{1,14}$")


@dataclass(frozen=True)
class Carrier:
    """A fictional losing carrier."""

    name: str
    spid: str
    fastport: bool = False


#: NANP geographic carriers, chosen by ``int(NPA + NXX) % 8``; exactly four are FastPort.
NANP_CARRIERS: tuple[Carrier, ...] = (
    Carrier("Prairie Bell Telephone", "4P01", fastport=True),
    Carrier("Harbor Line Communications", "5H22", fastport=False),
    Carrier("Summit Wireline", "6S13", fastport=True),
    Carrier("Bluegrass Telco", "7B04", fastport=False),
    Carrier("Cascade Fiber Networks", "8C95", fastport=True),
    Carrier("Lakeshore Telecom", "9L36", fastport=False),
    Carrier("Mesa Digital Voice", "3M87", fastport=True),
    Carrier("Granite State Connect", "2G48", fastport=False),
)

#: NANP toll-free RespOrgs, chosen by ``int(NPA) % 2``.
TOLL_FREE_CARRIERS: tuple[Carrier, ...] = (
    Carrier("Beacon RespOrg Services", "TF10"),
    Carrier("Northstar Toll-Free", "TF21"),
)

_OTHER_TYPES: dict[int, str] = {
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "local",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.SHARED_COST: "shared_cost",
}

NO_COVERAGE = "No coverage"
INVALID_NUMBER = "Invalid number"


@dataclass(frozen=True)
class NumberFacts:
    """What the simulator believes about one number."""

    phone_number: str
    country_code: str
    phone_number_type: str
    carrier_name: str
    spid: str | None
    portable: bool
    not_portable_reason: str
    fast_portable: bool
    messaging_capable: bool

    def portability_result(self) -> dict[str, Any]:
        """The portability check item: the spec fields, the docs' extras and ours."""
        return {
            "phone_number": self.phone_number,
            "portable": self.portable,
            "fast_portable": self.fast_portable,
            "not_portable_reason": self.not_portable_reason,
            "record_type": "portability_check_result",
            "carrier_name": self.carrier_name,
            "phone_number_type": self.phone_number_type,
            "messaging_capable": self.messaging_capable,
            "spid": self.spid,
            "country_code": self.country_code,
        }

    def with_overrides(self, overrides: dict[str, Any]) -> NumberFacts:
        """These facts with scenario overrides applied (unknown keys are refused at load)."""
        if not overrides:
            return self
        facts = replace(self, **overrides)
        if facts.portable and "not_portable_reason" not in overrides:
            facts = replace(facts, not_portable_reason="")
        if not facts.portable:
            facts = replace(facts, fast_portable=False)
            if not facts.not_portable_reason:
                facts = replace(facts, not_portable_reason=NO_COVERAGE)
        return facts


OVERRIDABLE = frozenset(
    {
        "country_code",
        "phone_number_type",
        "carrier_name",
        "spid",
        "portable",
        "not_portable_reason",
        "fast_portable",
        "messaging_capable",
    }
)


def is_e164(value: object) -> bool:
    """Whether ``value`` is a ``+E.164`` string."""
    return isinstance(value, str) and bool(E164.match(value))


@lru_cache(maxsize=65536)
def derive_facts(phone_number: str) -> NumberFacts:
    """The built-in facts for an E.164 number, before any scenario override."""
    try:
        parsed = phonenumbers.parse(phone_number, None)
    except phonenumbers.NumberParseException:
        parsed = None
    region = phonenumbers.region_code_for_number(parsed) if parsed is not None else None
    # number_type() is most of is_valid_number()'s work: computing it once halves the cost.
    number_type = (
        phonenumbers.number_type(parsed)
        if parsed is not None and region is not None
        else PhoneNumberType.UNKNOWN
    )
    if parsed is None or region is None or number_type == PhoneNumberType.UNKNOWN:
        return NumberFacts(
            phone_number=phone_number,
            country_code=region or "ZZ",
            phone_number_type="national",
            carrier_name="",
            spid=None,
            portable=False,
            not_portable_reason=INVALID_NUMBER,
            fast_portable=False,
            messaging_capable=False,
        )
    national = str(parsed.national_number)
    if parsed.country_code == 1:
        if number_type == PhoneNumberType.TOLL_FREE:
            kind = "toll_free"
            carrier = TOLL_FREE_CARRIERS[int(national[:3]) % len(TOLL_FREE_CARRIERS)]
        else:
            kind = "local"
            carrier = NANP_CARRIERS[int(national[:6]) % len(NANP_CARRIERS)]
        spid: str | None = carrier.spid
        carrier_name = carrier.name
        fast = carrier.fastport and kind == "local" and region in {"US", "CA"}
        messaging = kind in {"local", "toll_free"}
    else:
        kind = _OTHER_TYPES.get(number_type, "national")
        carrier_name = f"{region} National Telecom"
        spid = None
        fast = False
        messaging = kind == "mobile"
    last_four = int(national[-4:]) if len(national) >= 4 else 0
    portable = not 9900 <= last_four <= 9999
    return NumberFacts(
        phone_number=phone_number,
        country_code=region,
        phone_number_type=kind,
        carrier_name=carrier_name,
        spid=spid,
        portable=portable,
        not_portable_reason="" if portable else NO_COVERAGE,
        fast_portable=fast and portable,
        messaging_capable=messaging,
    )
