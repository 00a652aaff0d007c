"""Exception types mapped to the operator's cells, with the carrier's value and secrets masked."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from porting_batch.remedies import FIXES, ExceptionDetail, remedy_for
from porting_batch.simulator import carriers
from porting_batch.simulator.lifecycle import (
    EXCEPTION_DESCRIPTIONS,
    MISMATCH_CODES,
    UNEXPLAINED_CODES,
)

from .rows import ACCOUNT, LETTERS, PIN, input_row

NUMBER = "+13125550142"
RECORD = carriers.record_for(NUMBER, seed=7)
#: The carrier's record as a flat mapping by canonical column, the simplest CSR form.
CSR = {**RECORD.admin(), **RECORD.location()}
SECRET_COLUMNS = {"account_number", "pin_passcode"}


def _detail(code: str) -> dict[str, str]:
    return {"code": code, "description": EXCEPTION_DESCRIPTIONS[code]}


def test_every_telnyx_exception_type_has_a_fix() -> None:
    """The 21 exception types the simulator knows (Telnyx's list) all have a catalogue entry."""
    assert set(EXCEPTION_DESCRIPTIONS) == set(FIXES)


@pytest.mark.parametrize(
    ("code", "column"),
    sorted({(code, key) for _, key, code in MISMATCH_CODES if code != "LOCATION_MISMATCH"}),
)
def test_simulator_mismatch_points_at_its_cell_with_the_carrier_value(
    code: str, column: str
) -> None:
    """Each R4 data code names the cell of its column and quotes the carrier's value."""
    [remedy] = remedy_for([_detail(code)], [input_row(12)], csr=CSR)
    cell = f"Numbers!{LETTERS[column]}12"
    assert (remedy.code, remedy.column, remedy.cells) == (code, column, (cell,))
    theirs = CSR[column]
    assert f"the carrier has '{remedy.carrier_value}'" in remedy.action
    assert remedy.action.endswith(f"correct {cell}")
    if column in SECRET_COLUMNS:
        assert theirs not in remedy.action and remedy.carrier_value.endswith(theirs[-2:])
        assert set(remedy.carrier_value[:-2]) == {"•"}
    else:
        assert remedy.carrier_value == theirs


def test_entity_name_line_reads_as_the_operator_needs_it() -> None:
    """The line says what is wrong, what the carrier has, and which cell to correct."""
    [remedy] = remedy_for(
        [_detail("ENTITY_NAME_MISMATCH")], [input_row(12)], csr={"entity_name": "ACME INC"}
    )
    assert remedy.action == (
        "entity name does not match the losing carrier's record: the carrier has 'ACME INC'; "
        "correct Numbers!B12"
    )
    assert remedy.current == "Acme Widgets"


def test_location_mismatch_with_a_csr_points_only_at_the_differing_cells() -> None:
    """Only the city differs (case and punctuation do not count): only its cell is named."""
    csr = {"street_address": "12 MAIN ST.", "locality": "Evanston", "administrative_area": "IL"}
    remedies = remedy_for([_detail("LOCATION_MISMATCH")], [input_row(5)], csr=csr)
    assert [(r.column, r.cells, r.carrier_value) for r in remedies] == [
        ("locality", ("Numbers!H5",), "Evanston")
    ]


def test_location_mismatch_without_a_csr_names_every_address_cell() -> None:
    """Without the carrier's record every address column of the code is named, with a hint."""
    remedies = remedy_for([_detail("LOCATION_MISMATCH")], [input_row(5)])
    assert [r.cells for r in remedies] == [("Numbers!G5",), ("Numbers!H5",), ("Numbers!I5",)]
    assert all("service address on the CSR" in r.action and not r.carrier_value for r in remedies)


def test_telnyx_csr_result_is_read_as_the_carrier_record() -> None:
    """A CSR as the API returns it (admin.name, address...) gives the carrier's values."""
    csr = {
        "status": "completed",
        "result": {
            "admin": {"name": "Acme Widgets Inc.", "authorized_person_name": "Sam Porter"},
            "address": {"street_address": "9 Elm Ave", "postal_code": "60602"},
            "associated_phone_numbers": [NUMBER],
        },
    }
    details = [_detail("AUTH_PERSON_MISMATCH"), _detail("POSTAL_CODE_MISMATCH")]
    remedies = remedy_for(details, [input_row(3)], csr=csr)
    assert [(r.cells, r.carrier_value) for r in remedies] == [
        (("Numbers!C3",), "Sam Porter"),
        (("Numbers!J3",), "60602"),
    ]


@pytest.mark.parametrize("column", sorted(SECRET_COLUMNS))
def test_secrets_are_masked_in_every_field(column: str) -> None:
    """A PIN or account number shows only its last two characters, the carrier's too."""
    code = {"account_number": "ACCOUNT_NUMBER_MISMATCH", "pin_passcode": "PASSCODE_PIN_INVALID"}
    clear = {"account_number": ACCOUNT, "pin_passcode": PIN}[column]
    theirs = "77001234" if column == "account_number" else "1234"
    [remedy] = remedy_for([_detail(code[column])], [input_row(4)], csr={column: theirs})
    text = " ".join(str(value) for value in vars(remedy).values())
    assert clear not in text and theirs not in text
    assert remedy.current == "•" * (len(clear) - 2) + clear[-2:]
    assert remedy.carrier_value == "•" * (len(theirs) - 2) + theirs[-2:]


def test_consecutive_rows_become_one_range_and_others_stay_apart() -> None:
    """Rows 12-14 of one column read Numbers!B12:B14; row 20 is named on its own."""
    rows = [input_row(n) for n in (13, 12, 14, 20)]
    [remedy] = remedy_for([_detail("ENTITY_NAME_MISMATCH")], rows)
    assert remedy.cells == ("Numbers!B12:B14", "Numbers!B20")


def test_rows_with_different_values_show_each_value_once() -> None:
    """The current value lists each distinct typed value, in row order."""
    rows = [input_row(2), input_row(3, entity_name="ACME"), input_row(4)]
    [remedy] = remedy_for([_detail("ENTITY_NAME_MISMATCH")], rows)
    assert remedy.current == "Acme Widgets | ACME"


def test_a_number_not_on_the_account_is_pointed_at_by_its_row() -> None:
    """With the CSR's numbers, the phone cell of the stray row alone is named."""
    rows = [input_row(2), input_row(3, phone_number="+13125559999")]
    csr = {"associated_phone_numbers": [NUMBER, "+13125550100"]}
    [remedy] = remedy_for([_detail("PHONE_NUMBER_MISMATCH")], rows, csr=csr)
    assert remedy.cells == ("Numbers!A3",)
    assert remedy.carrier_value == f"{NUMBER}, +13125550100"


def test_port_type_says_full_when_the_sheet_holds_every_account_number() -> None:
    """PORT_TYPE_INCORRECT works out the right port type from the CSR's numbers."""
    rows = [input_row(2, port_type="partial")]
    [remedy] = remedy_for(
        [_detail("PORT_TYPE_INCORRECT")], rows, csr={"associated_phone_numbers": [NUMBER]}
    )
    assert (remedy.cells, remedy.carrier_value) == (("Numbers!K2",), "full")


def test_a_column_the_sheet_lacks_is_asked_for() -> None:
    """When the sheet has no column for the data at fault, the line says to add one."""
    [remedy] = remedy_for(
        [_detail("BTN_ATN_MISMATCH")], [input_row(2, without="billing_phone_number")]
    )
    assert remedy.cells == ()
    assert remedy.action.endswith(
        "the sheet has no billing_phone_number column: add one and fill it in"
    )


@pytest.mark.parametrize("code", UNEXPLAINED_CODES)
def test_codes_data_cannot_fix_say_what_to_do_instead(code: str) -> None:
    """The simulator's unexplained rejections name no cell, or only the FOC, and give a step."""
    [remedy] = remedy_for([_detail(code)], [input_row(2)], csr=CSR)
    if code == "FOC_REJECTED":
        assert remedy.cells == ("Numbers!L2",) and "new FOC" in remedy.action
    else:
        assert (remedy.column, remedy.cells, remedy.in_sheet) == ("", (), False)
        assert ":" in remedy.action and len(remedy.action) > 40


def test_osp_irresponsive_says_to_escalate_not_to_edit() -> None:
    """A silent carrier is escalated: nothing in the sheet changes."""
    [remedy] = remedy_for([_detail("OSP_IRRESPONSIVE")], [input_row(2)])
    assert "nothing to change in the sheet" in remedy.action
    assert "Telnyx support" in remedy.action


def test_unknown_code_gets_a_generic_line_naming_it() -> None:
    """A code porting-batch does not know is reported, never a crash."""
    [remedy] = remedy_for([{"code": "LOA_ILLEGIBLE", "description": "LOA unreadable"}], [])
    assert remedy.code == "LOA_ILLEGIBLE" and remedy.sheet == ""
    assert remedy.action.startswith("exception LOA_ILLEGIBLE (LOA unreadable) is not one")


@dataclass
class _ApiDetail:
    code: str
    description: str | None = None


def test_details_may_be_objects_and_repeats_count_once() -> None:
    """API model objects are read like mappings; a code given twice yields one remedy."""
    details = [
        _ApiDetail("ENTITY_NAME_MISMATCH"),
        ExceptionDetail("ENTITY_NAME_MISMATCH"),
        _ApiDetail(""),
    ]
    remedies = remedy_for(details, [input_row(2)])
    assert [r.code for r in remedies] == ["ENTITY_NAME_MISMATCH", "(no code)"]
