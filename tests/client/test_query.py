"""Query encoding: nested filters as deepObject keys, scalars as Telnyx reads them, nothing lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from porting_batch.client import encode_query
from porting_batch.client.request import Request

# Brackets delimit the levels of a deepObject key, so a name never contains one.
names = st.text(st.characters(blacklist_characters="[]", blacklist_categories=["Cs"]), min_size=1)
texts = st.text(st.characters(blacklist_categories=["Cs"]))
leaves = st.one_of(st.none(), texts)
filters: st.SearchStrategy[Any] = st.recursive(
    leaves, lambda inner: st.dictionaries(names, inner, max_size=4), max_leaves=12
)
params_strategy = st.dictionaries(names, filters, max_size=4)


def _decode(query: dict[str, str]) -> dict[str, Any]:
    """Rebuild nested mappings from ``a[b][c]`` keys, as the API's parser does."""
    out: dict[str, Any] = {}
    for key, value in query.items():
        name, _, rest = key.partition("[")
        parts = [name, *rest[:-1].split("][")] if rest else [name]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _without_empties(value: Any) -> Any:
    """The structure with None leaves and mappings left empty by them removed."""
    if not isinstance(value, dict):
        return value
    kept = {key: _without_empties(inner) for key, inner in value.items() if inner is not None}
    return {key: inner for key, inner in kept.items() if inner != {}}


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(inner) for inner in value.values())
    return 0 if value is None else 1


@given(params_strategy)
def test_nested_filters_decode_back_to_the_same_structure(params: dict[str, Any]) -> None:
    """``filter[a][b]=v`` keys rebuild exactly the mappings given, minus the Nones."""
    assert _decode(encode_query(params)) == _without_empties(params)


@given(params_strategy)
def test_every_value_given_is_encoded_once(params: dict[str, Any]) -> None:
    """No key or value is lost or duplicated: one parameter per non-None leaf."""
    encoded = encode_query(params)
    assert len(encoded) == _leaves(params)
    assert all(isinstance(value, str) for value in encoded.values())


@given(params_strategy)
def test_encoded_parameters_reach_the_url_intact(params: dict[str, Any]) -> None:
    """Whatever the characters, the request's URL carries each parameter back unchanged."""
    encoded = encode_query(params)
    request = Request.build(
        "http://api.test/v2/", httpx.Headers(), "GET", "/porting_orders", params=encoded
    )
    assert dict(request.url.params.multi_items()) == encoded
    assert len(request.url.params.multi_items()) == len(encoded)


@given(st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False))
def test_booleans_and_numbers_encode_as_telnyx_expects(
    flag: bool, whole: int, fraction: float
) -> None:
    """Booleans are lowercase ``true``/``false``; numbers are their plain decimal text."""
    encoded = encode_query({"filter": {"flag": flag, "n": {"gt": whole, "lt": fraction}}})
    assert encoded["filter[flag]"] == ("true" if flag else "false")
    assert int(encoded["filter[n][gt]"]) == whole
    assert float(encoded["filter[n][lt]"]) == fraction


@given(
    st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(2200, 1, 1)),
    st.one_of(st.none(), st.integers(min_value=-12 * 60, max_value=14 * 60)),
)
def test_datetimes_encode_as_utc_with_a_z(moment: datetime, offset_minutes: int | None) -> None:
    """Any datetime is sent as the same instant in UTC, ``Z``-suffixed; naive ones are UTC."""
    if offset_minutes is not None:
        moment = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    text = encode_query({"filter": {"created_at": {"gte": moment}}})["filter[created_at][gte]"]
    assert text.endswith("Z")
    sent = datetime.fromisoformat(text.removesuffix("Z") + "+00:00")
    expected = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    assert sent == expected


def test_lists_are_joined_with_commas() -> None:
    """A list value is one comma-separated parameter, each item encoded like a scalar."""
    assert encode_query({"filter": {"status": ["draft", True, 3]}}) == {
        "filter[status]": "draft,true,3"
    }
