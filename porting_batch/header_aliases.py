"""The header texts operators write for each template column, and matching a header to its column.

The column catalogue (:mod:`porting_batch.columns`) says what each column means; this says what
else a header may call it ("TN", "Zip Code", "Acct #"). Kept apart because it grows with every
operator's sheet, while the catalogue changes only with the template.
"""

from __future__ import annotations

import re
import unicodedata

#: Canonical column -> the other headers that name it, compared as :func:`header_key` forms.
ALIASES: dict[str, tuple[str, ...]] = {
    "phone_number": (
        "number",
        "tn",
        "telephone number",
        "phone",
        "did",
        "phone numbers",
        "numbers",
    ),
    "country": ("number country", "iso country"),
    "order_ref": ("order reference", "group", "order group", "batch ref", "batch reference"),
    "customer_type": ("account type", "type of customer"),
    "entity_name": (
        "business name",
        "customer name",
        "company",
        "company name",
        "end user name",
        "account name",
        "name on account",
        "entity",
    ),
    "auth_person_name": (
        "authorized person",
        "authorised person",
        "authorized name",
        "authorized representative",
        "auth person",
        "contact name",
    ),
    "account_number": (
        "account",
        "account no",
        "acct",
        "acct no",
        "account #",
        "acct #",
        "carrier account number",
    ),
    "pin_passcode": ("pin", "passcode", "port out pin", "port pin", "security pin", "pin code"),
    "billing_phone_number": (
        "btn",
        "billing telephone number",
        "billing number",
        "atn",
        "account telephone number",
        "main number",
        "billing phone",
        "billing telephone number (btn)",
    ),
    "street_address": (
        "street",
        "address",
        "address line 1",
        "address1",
        "service address",
        "service street",
        "street address 1",
    ),
    "extended_address": (
        "address line 2",
        "address2",
        "suite",
        "unit",
        "service street2",
        "street 2",
        "suite/unit",
    ),
    "locality": ("city", "town", "service city"),
    "administrative_area": ("state", "province", "region", "state province", "service state", "st"),
    "postal_code": (
        "zip",
        "zip code",
        "zipcode",
        "postcode",
        "postal",
        "service postal code",
        "service zip",
        "zip/postal code",
    ),
    "country_code": ("address country", "service country", "country of address"),
    "port_type": ("port", "type of port", "full or partial"),
    "remaining_numbers_action": ("remaining numbers", "remaining action", "remaining"),
    "new_billing_phone_number": ("new btn", "new billing telephone number", "new billing number"),
    "requested_foc": (
        "foc",
        "foc date",
        "requested foc date",
        "port date",
        "due date",
        "requested date",
        "activation date",
        "requested port date (foc)",
    ),
    "loa_file": ("loa file", "loa", "letter of authorization", "loa path", "loa document"),
    "invoice_file": ("invoice file", "invoice", "bill", "invoice path", "bill copy", "csr file"),
    "invoice_date": ("bill date", "date of invoice", "statement date"),
    "connection_id": ("telnyx connection id", "connection", "sip connection", "trunk", "trunk id"),
    "messaging_profile_id": ("messaging profile", "messaging profile id"),
    "emergency_address_id": ("e911 address id", "emergency address", "e911"),
    "billing_group_id": ("billing group",),
    "tags": ("tag", "labels"),
    "enable_messaging": (
        "port messaging (sms)",
        "messaging",
        "sms",
        "port messaging",
        "enable sms",
    ),
    "webhook_url": ("status webhook url", "webhook", "callback url", "notification url"),
    "customer_reference": (
        "your order reference",
        "reference",
        "customer ref",
        "your reference",
        "po number",
    ),
    "notes": ("note", "comment", "comments", "remarks"),
    "action": ("cancel", "row action", "operation"),
    "foc_time_zone": ("time zone", "timezone", "foc timezone", "tz", "port time zone"),
    "losing_carrier": (
        "current carrier",
        "losing carrier",
        "losing carrier name",
        "old carrier",
        "carrier",
        "carrier name",
        "current provider",
        "old service provider",
    ),
    "resp_org": ("resporg id", "resporg", "resp org", "resp org id", "responsible organization"),
    "tax_identifier": ("tax id", "tax id (eu)", "vat number", "vat id", "tax number"),
    "business_identifier": (
        "business id",
        "business id (eu)",
        "company number",
        "company registration number",
        "business registration number",
    ),
    "customer_group_reference": (
        "customer group reference",
        "group reference",
        "customer group ref",
        "group ref",
    ),
}

_SEPARATORS = re.compile(r"[\s_\-./#:()]+")
#: The template marks required (*) and sometimes-required (†) headers; the mark is no part of
#: the name, so "Business name *" and "Business name" name one column.
_MARKS = re.compile(r"[*†‡]+")


def header_key(text: str) -> str:
    """The form a header is compared in: NFKC, case-folded, no spaces, underscores or marks."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    key = _SEPARATORS.sub("", _MARKS.sub("", folded))
    # "account #" and "account no" mean the same thing; '#' is gone by now
    return key


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for name, aliases in ALIASES.items():
        for text in (name, *aliases):
            key = header_key(text)
            if key in lookup and lookup[key] != name:
                raise AssertionError(f"header {text!r} maps to two columns")
            lookup[key] = name
    return lookup


_HEADER_LOOKUP = _build_lookup()


def canonical_column(header: str) -> str | None:
    """The canonical column a header names, or None when it is not a template column."""
    return _HEADER_LOOKUP.get(header_key(header))
