"""The receiver takes genuinely signed, recent webhooks once each and refuses the rest."""

from __future__ import annotations

import base64
import logging
import random
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from porting_batch.errors import ConfigError
from porting_batch.settings import load_settings
from porting_batch.webhooks import MAX_BODY_BYTES, WebhookReceiver, load_public_key

from .conftest import NOW, URL, Harness, envelope, public_b64, signed_headers


def test_a_genuinely_signed_webhook_is_accepted_and_handed_on(harness: Harness) -> None:
    """A body signed by the account's key at the current time is answered 200 and recorded."""
    response = harness.deliver("ev-1")
    assert (response.status_code, response.json()) == (200, {"id": "ev-1", "status": "accepted"})
    assert harness.events.ids == ["ev-1"]
    assert harness.events.events[0]["data"]["payload"]["status"]["value"] == "submitted"


def test_a_replayed_event_is_answered_but_not_handed_on_twice(harness: Harness) -> None:
    """The same event delivered again (Telnyx retries) gets 200 and is kept only once."""
    first, again = harness.deliver("ev-1"), harness.deliver("ev-1")
    assert (first.status_code, first.json()["status"]) == (200, "accepted")
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert harness.events.ids == ["ev-1"]


def _tampered(body: bytes) -> bytes:
    return body.replace(b"submitted", b"cancelled")


OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes([7] * 32))
SIGNATURE = "telnyx-signature-ed25519"
TIMESTAMP = "telnyx-timestamp"
Forgery = Callable[[Ed25519PrivateKey, bytes], tuple[bytes, dict[str, str]]]


def _flipped(key: Ed25519PrivateKey, body: bytes) -> tuple[bytes, dict[str, str]]:
    headers = signed_headers(key, body)
    raw = bytearray(base64.b64decode(headers[SIGNATURE]))
    raw[0] ^= 1
    return body, headers | {SIGNATURE: base64.b64encode(raw).decode()}


def _without(*names: str) -> Forgery:
    def build(key: Ed25519PrivateKey, body: bytes) -> tuple[bytes, dict[str, str]]:
        headers = signed_headers(key, body)
        return body, {k: v for k, v in headers.items() if k not in names}

    return build


def _with(name: str, value: str) -> Forgery:
    def build(key: Ed25519PrivateKey, body: bytes) -> tuple[bytes, dict[str, str]]:
        return body, signed_headers(key, body) | {name: value}

    return build


REFUSALS: dict[str, tuple[Forgery, int]] = {
    "bad signature": (_flipped, 401),
    "wrong key": (lambda _key, body: (body, signed_headers(OTHER_KEY, body)), 401),
    "tampered body": (lambda key, body: (_tampered(body), signed_headers(key, body)), 401),
    "signature not base64": (_with(SIGNATURE, "%%%"), 401),
    "signature too short": (_with(SIGNATURE, "AAAA"), 401),
    "missing signature": (_without(SIGNATURE), 401),
    "missing timestamp": (_without(TIMESTAMP), 401),
    "missing both": (_without(SIGNATURE, TIMESTAMP), 401),
    "timestamp not a number": (_with(TIMESTAMP, "soon"), 401),
    "other timestamp than signed": (_with(TIMESTAMP, str(NOW + 1)), 401),
    "skew +301 s": (lambda key, body: (body, signed_headers(key, body, NOW + 301)), 403),
    "skew -301 s": (lambda key, body: (body, signed_headers(key, body, NOW - 301)), 403),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_forged_stale_or_unsigned_webhooks_are_refused_and_not_handed_on(
    harness: Harness, case: str
) -> None:
    """Each forgery is answered 401 (signature) or 403 (skew) and nothing is recorded."""
    forge, status = REFUSALS[case]
    body, headers = forge(harness.private, envelope("ev-x"))
    response = harness.post(body, headers)
    assert response.status_code == status
    assert harness.events.ids == []


@pytest.mark.parametrize("offset", [-300, 300], ids=["300 s behind", "300 s ahead"])
def test_a_skew_of_exactly_300_seconds_is_still_accepted(harness: Harness, offset: int) -> None:
    """The limit is inclusive: a timestamp 300 s from now passes."""
    body = envelope("ev-edge")
    response = harness.post(body, signed_headers(harness.private, body, NOW + offset))
    assert response.status_code == 200
    assert harness.events.ids == ["ev-edge"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "body is not JSON"),
        (b"[1, 2]", "body is not a JSON object"),
        (b"\xff\xfe", "body is not JSON"),
        (b'{"data": {"event_type": "porting_order.split"}}', "the event has no id"),
    ],
    ids=["not json", "a list", "not utf-8", "no id"],
)
def test_a_signed_body_that_is_not_an_event_is_answered_400(
    harness: Harness, body: bytes, reason: str
) -> None:
    """Genuine but unusable bodies are 400 with the reason, and nothing is recorded."""
    response = harness.post(body, signed_headers(harness.private, body))
    assert (response.status_code, response.json()) == (400, {"error": reason})
    assert harness.events.ids == []


def test_the_flat_envelope_is_identified_by_its_top_level_id(harness: Harness) -> None:
    """``messaging_changed`` and ``deleted`` use ``{id, event_type, payload}`` (NOTES §10)."""
    body = b'{"id": "ev-flat", "event_type": "porting_order.deleted", "payload": {}}'
    response = harness.post(body, signed_headers(harness.private, body))
    assert response.status_code == 200
    assert harness.events.ids == ["ev-flat"]


def test_a_body_over_the_limit_is_refused_413_before_it_is_checked(harness: Harness) -> None:
    """A body over 1 MiB is answered 413, even when it is genuinely signed."""
    body = b'{"id": "ev-big", "pad": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = harness.post(body, signed_headers(harness.private, body))
    assert response.status_code == 413
    assert harness.events.ids == []


def test_a_chunked_body_over_the_limit_is_cut_off_as_it_arrives(harness: Harness) -> None:
    """Without a Content-Length, the receiver still stops reading at the limit."""

    async def chunks():
        for _ in range(3):
            yield b"x" * (MAX_BODY_BYTES // 2)

    import asyncio

    import httpx

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=harness.receiver)
        async with httpx.AsyncClient(transport=transport) as client:
            return await client.post(
                URL, content=chunks(), headers=signed_headers(harness.private, b"")
            )

    assert asyncio.run(go()).status_code == 413


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("GET", URL, 405), ("POST", "http://receiver.test/other", 404)],
    ids=["GET on the path", "POST elsewhere"],
)
def test_only_post_on_the_one_path_is_served(
    harness: Harness, method: str, url: str, status: int
) -> None:
    """Other methods are 405, other paths 404."""
    [response] = harness.send([(method, url, {})])
    assert response.status_code == status


def test_a_sink_failure_is_answered_500_so_that_telnyx_sends_it_again(
    telnyx_key: Ed25519PrivateKey,
) -> None:
    """When recording fails, the answer is 500 (Telnyx retries), not a silent 200."""

    def broken(event: dict) -> bool:
        raise RuntimeError("ledger locked")

    harness = Harness(
        telnyx_key,
        events=None,  # type: ignore[arg-type]
        receiver=WebhookReceiver(public_b64(telnyx_key), broken, clock=lambda: NOW),
    )
    assert harness.deliver("ev-1").status_code == 500


def test_an_async_sink_is_awaited(telnyx_key: Ed25519PrivateKey) -> None:
    """``on_event`` may be a coroutine function: its answer is awaited."""
    seen: list[str] = []

    async def sink(event: dict) -> bool:
        seen.append(event["data"]["id"])
        return len(seen) == 1

    receiver = WebhookReceiver(public_b64(telnyx_key), sink, clock=lambda: NOW)
    harness = Harness(telnyx_key, events=None, receiver=receiver)  # type: ignore[arg-type]
    answers = [harness.deliver("ev-1").json()["status"], harness.deliver("ev-1").json()["status"]]
    assert (seen, answers) == (["ev-1", "ev-1"], ["accepted", "duplicate"])


def test_refusals_are_logged_one_line_each_without_the_body(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """A refusal logs its reason once; no part of the body (end-user data) is in the log."""
    body = envelope("ev-secret").replace(b"order-1", b"Jane Q Customer")
    caplog.set_level(logging.INFO, logger="porting_batch.webhooks")
    harness.post(_tampered(body), signed_headers(harness.private, body))
    harness.post(body, signed_headers(harness.private, body))
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 2
    assert "refused (signature does not match)" in lines[0]
    assert "ev-secret" in lines[1]
    assert not any("Jane" in line for line in lines)


def test_a_flood_with_duplicates_and_forgeries_keeps_exactly_the_genuine_unique_events(
    harness: Harness,
) -> None:
    """1,000 deliveries, 30 % repeats and 10 % forgeries: exactly the genuine ids, once each."""
    rng = random.Random(16)
    forger = Ed25519PrivateKey.from_private_bytes(bytes([9] * 32))
    requests: list[tuple[bytes, dict[str, str]]] = []
    genuine: list[str] = []
    for n in range(1000):
        draw = rng.random()
        if draw < 0.10:
            body = envelope(f"forged-{n}")
            headers = signed_headers(forger, body)
        elif draw < 0.40 and genuine:
            body = envelope(rng.choice(genuine))
            headers = signed_headers(harness.private, body)
        else:
            genuine.append(f"ev-{n}")
            body = envelope(genuine[-1])
            headers = signed_headers(harness.private, body)
        requests.append((body, headers))
    answers = harness.post_many(requests)
    statuses = [response.status_code for response in answers]
    assert statuses.count(401) == sum(1 for b, _ in requests if b"forged-" in b)
    assert harness.events.ids == genuine
    assert sum(
        1 for r in answers if r.status_code == 200 and r.json()["status"] == "duplicate"
    ) == (1000 - len(genuine) - statuses.count(401))


@pytest.mark.parametrize("text", ["", "not base64!", base64.b64encode(b"short").decode()])
def test_a_public_key_that_is_not_32_bytes_of_base64_is_a_config_error(text: str) -> None:
    """The error names the setting and says where the key comes from."""
    with pytest.raises(ConfigError, match="PORTING_WEBHOOK_PUBLIC_KEY"):
        load_public_key(text)


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            {"webhook_public_key": "abc"},
            "PORTING_WEBHOOK_PUBLIC_KEY=abc: not an Ed25519 public key (base64 of 32 bytes)",
        ),
        ({"webhook_path": "hooks"}, "PORTING_WEBHOOK_PATH=hooks: must start with /"),
        ({"webhook_port": 70000}, "PORTING_WEBHOOK_PORT=70000: must be at most 65535"),
    ],
    ids=["key", "path", "port"],
)
def test_bad_webhook_settings_are_refused_naming_the_variable(
    overrides: dict[str, object], line: str
) -> None:
    """Each bad webhook setting is one line naming the variable, the value and the rule."""
    with pytest.raises(ConfigError) as caught:
        load_settings(overrides)
    assert str(caught.value).startswith(line)


def test_the_webhook_settings_default_to_a_loopback_receiver_without_a_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defaults: 127.0.0.1:8780 at /webhooks/telnyx, and no key (the receiver then refuses)."""
    for name in ("PUBLIC_KEY", "HOST", "PORT", "PATH"):
        monkeypatch.delenv(f"PORTING_WEBHOOK_{name}", raising=False)
    settings = load_settings({})
    assert (
        settings.webhook_host,
        settings.webhook_port,
        settings.webhook_path,
        settings.webhook_public_key,
    ) == ("127.0.0.1", 8780, "/webhooks/telnyx", None)
