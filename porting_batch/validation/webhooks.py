"""Webhook URLs: refused when they hold credentials or point at this machine or its network.

A webhook URL is sent to Telnyx, which calls it; a local or metadata address there is at best
useless and at worst a request forgery, so every spelling a resolver accepts is judged.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import urlsplit

from porting_batch.validation.collector import Rules

#: Host names that always mean this machine, its network or a cloud's metadata service.
_LOCAL_NAMES = frozenset({"localhost", "metadata", "metadata.google.internal", "instance-data"})
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_NUMERIC_LABEL = re.compile(r"(0x[0-9a-f]*|[0-9]+)", re.IGNORECASE)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_WEBHOOK_FIX = (
    "give a public https:// address of your own server, e.g. https://example.com/porting-events"
)


def check_webhook_url(url: str) -> tuple[str, str, str] | None:
    """Why a webhook URL must not be sent to Telnyx, as (code, message, fix); None when fine.

    Refused: schemes other than http(s), credentials in the URL, and hosts that are this
    machine, a private or link-local network or a cloud metadata service, in any spelling
    a resolver accepts (0x7f000001, 2130706433, 0177.0.0.1, [::ffff:127.0.0.1],
    *.localhost). Names are judged as written: no DNS lookup is made.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return "invalid_url", "is not a valid URL", _WEBHOOK_FIX
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return (
            "invalid_url",
            "is not an http(s) URL",
            "write the full URL, e.g. https://example.com/porting-events",
        )
    if parts.username is not None or parts.password is not None:
        return (
            "webhook_credentials",
            "holds a user name or password (user:pass@); it would be sent to Telnyx and "
            "shown in every report",
            "remove the user:pass@ part; authenticate the webhook another way (a secret path "
            "or a signature check)",
        )
    host = unicodedata.normalize("NFKC", parts.hostname or "").translate(_DOTS).rstrip(".")
    if not host or "%" in host:
        return "invalid_url", "has no usable host name", _WEBHOOK_FIX
    address = _ip_address(host)
    if address is None and (host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES)):
        return (
            "webhook_local_address",
            f"points at '{host}', a name for this machine or its local network",
            _WEBHOOK_FIX,
        )
    if address is None:
        if _NUMERIC_LABEL.fullmatch(host.rpartition(".")[2]):
            return "invalid_url", f"'{host}' is neither a host name nor an IP address", _WEBHOOK_FIX
        return None
    if not _is_public(address):
        return (
            "webhook_local_address",
            f"points at {address}, a loopback, private, link-local, unspecified or metadata "
            "address that Telnyx cannot reach and must not be sent",
            _WEBHOOK_FIX,
        )
    return None


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host spells, in every IPv4 form resolvers accept (hex, octal, 1-4 parts)."""
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    labels = host.split(".")
    if not 1 <= len(labels) <= 4 or not all(_NUMERIC_LABEL.fullmatch(p) for p in labels):
        return None
    numbers: list[int] = []
    for label in labels:
        if label[:2].lower() == "0x":
            numbers.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            if not set(label) <= set("01234567"):
                return None
            numbers.append(int(label, 8))
        else:
            numbers.append(int(label))
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv6 address carrying an IPv4 one reaches that one.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _is_public(embedded)
    return address.is_global and not address.is_multicast


def check_webhooks(rules: Rules) -> None:
    """One error per webhook URL cell that must not be sent, its credentials never shown."""
    column = rules.columns["webhook_url"]
    verdicts = {url: check_webhook_url(url) for url in set(column) if url}
    bad = {url: verdict for url, verdict in verdicts.items() if verdict}
    if not bad:
        return
    for position, url in enumerate(column):
        verdict = bad.get(url)
        if verdict is None:
            continue
        row = rules.rows[position]
        shown = _without_password(url)
        if shown != url:
            header = row.header("webhook_url")
            if header and header in row.raw:
                row.raw[header] = shown  # the reports show raw; a password must not reach them
            column[position] = shown
        code, message, hint = verdict
        # The cell as typed, unless it held a password
        rules.error(code, row, "webhook_url", message, hint, value=shown if shown != url else None)


def _without_password(url: str) -> str:
    """The URL with its user:pass@ part masked (kept as typed when it has none)."""
    head, at, rest = url.partition("@")
    if not at or "://" not in head:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://••••@{rest}"
