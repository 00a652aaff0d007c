"""The carrier-forgiving comparison: what a clerk forgives is equal, anything else is not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from porting_batch.csr.compare import digits, fold, postal, same_words, split_unit
from porting_batch.csr.diff import differences
from porting_batch.csr.record import CarrierView

NAMES = st.sampled_from(["Acme", "Bluebird", "Cedar", "Dockside", "Evergreen", "Foxglove"])
TRADES = st.sampled_from(["Widgets", "Dental", "Logistics", "Bakery", "Legal"])
SUFFIXES = st.sampled_from([("Inc.", "Incorporated"), ("Corp", "Corporation"), ("Co.", "Company")])
STREETS = st.sampled_from([("St", "Street"), ("Ave.", "Avenue"), ("Rd", "Road"), ("Dr", "Drive")])
UNITS = st.sampled_from(["Suite", "Ste.", "Ste", "#", "Unit", "Apt"])
CASES = st.sampled_from([str.upper, str.lower, str.title, lambda s: s])
PUNCTUATION = st.sampled_from(["", ",", ".", " -"])


@given(NAMES, TRADES, SUFFIXES, CASES, PUNCTUATION)
def test_case_punctuation_and_inc_forms_are_the_same_name(name, trade, suffix, case, mark):
    """'ACME WIDGETS INC.' and 'Acme Widgets, Incorporated' are one name to a clerk."""
    short, long = suffix
    assert same_words(case(f"{name} {trade}{mark} {short}"), f"{name} {trade} {long}")


@given(NAMES, TRADES, NAMES, SUFFIXES)
def test_a_different_name_is_not_the_same(name, trade, other, suffix):
    """Another name stays a difference, whatever the suffix."""
    if name == other:
        return
    assert not same_words(f"{name} {trade} {suffix[0]}", f"{other} {trade} {suffix[0]}")


@given(st.integers(1, 99999), NAMES, STREETS, UNITS, st.integers(1, 9999), CASES)
def test_street_and_suite_forms_are_the_same_address(house, name, kind, unit, number, case):
    """'1 Main St Ste 200' and '1 MAIN STREET, Suite 200' fold alike, the unit apart."""
    short, long = kind
    left = split_unit(case(f"{house} {name} {short} {unit} {number}"))
    right = split_unit(f"{house} {name} {long}, Suite {number}")
    assert left == right
    assert left[1] == f"#{number}"


@given(st.integers(1, 9999), st.integers(1, 9999))
def test_a_different_unit_is_a_difference(first, second):
    """Suite 200 against Suite 201 is not forgiven."""
    if first == second:
        return
    assert split_unit(f"1 Main St Suite {first}") != split_unit(f"1 Main St Suite {second}")


@given(st.integers(0, 99999), st.integers(0, 9999), st.sampled_from(["-", " ", ""]))
def test_zip_plus_four_is_its_zip(zip5, plus4, sep):
    """60606-1234 is 60606 to a clerk."""
    assert postal(f"{zip5:05d}{sep}{plus4:04d}") == postal(f"{zip5:05d}") == f"{zip5:05d}"


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        pytest.param("60606", "60607", False, id="another-zip"),
        pytest.param("k1a 0b1", "K1A0B1", True, id="canadian-spacing"),
    ],
)
def test_postal_codes(left, right, same):
    """Postal codes compare by their significant characters only."""
    assert (postal(left) == postal(right)) is same


def test_phone_digits_ignore_format_and_country_code():
    """A BTN is its ten digits, however written."""
    assert digits("+1 (312) 555-0100") == digits("312.555.0100") == "3125550100"


def test_fold_keeps_words_it_does_not_know():
    """Only known abbreviations fold; other words stay as they are."""
    assert fold("Acme  Widgets, LLC.") == "acme widgets llc"


@pytest.mark.parametrize(
    ("carrier_street", "sheet", "expected"),
    [
        (
            "8906 Oak Ave",
            {"street_address": "8906 Oak Avenue", "extended_address": "Floor 12"},
            "the carrier's record has no suite or unit ('8906 Oak Ave'), the sheet has 'Floor 12'",
        ),
        (
            "123 N Wacker Dr Ste 400",
            {"street_address": "123 N Wacker Drive", "extended_address": "Suite 500"},
            "the carrier's record has another suite or unit ('123 N Wacker Dr Ste 400'), "
            "the sheet has 'Suite 500'",
        ),
    ],
)
def test_a_suite_or_unit_difference_says_so_on_the_suite_cell(carrier_street, sheet, expected):
    """Only the unit differs: the Suite/Unit cell is told the carrier has none or another,
    not handed the carrier's street line as if it were a unit."""
    found = differences(sheet, CarrierView(street_address=carrier_street), key=b"k")
    assert [(d.column, d.message()) for d in found] == [("extended_address", expected)]
