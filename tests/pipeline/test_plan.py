"""Planning: account groups first, then the split the API will make."""

from __future__ import annotations

from porting_batch.intake import InputRow
from porting_batch.plan import (
    Answer,
    PlannedOrder,
    SplitKey,
    build_plan,
    compare_split,
    customer_reference,
    group_accounts,
)

ACME = {
    "entity_name": "Acme Inc.",
    "account_number": "A-1",
    "billing_phone_number": "+13125550100",
    "street_address": "1 Main St",
}
GLOBEX = {**ACME, "entity_name": "Globex LLC", "account_number": "G-7"}
KEY = b"k" * 32


def _row(n: int, numbers: list[str], values: dict[str, str], *, errors: bool = False) -> InputRow:
    return InputRow(
        sheet="Numbers",
        row=n,
        raw={},
        values=dict(values),
        phone_numbers=numbers,
        errors=errors,
    )


def _answer(number: str, *, spid: str = "AAAA", kind: str = "local", fast: bool = False) -> Answer:
    return Answer(number, True, fast, "", kind, f"Carrier {spid}", spid, "US")


def test_rows_of_two_accounts_never_share_a_group():
    """Rows whose order-level fields differ go to different groups."""
    rows = [
        _row(2, ["+13125550101"], ACME),
        _row(3, ["+13125550102"], GLOBEX),
        _row(4, ["+13125550103"], ACME),
    ]
    groups = group_accounts("batch", rows, key=KEY)
    assert [g.phone_numbers for g in groups] == [
        ["+13125550101", "+13125550103"],
        ["+13125550102"],
    ]
    assert groups[0].account == "Acme Inc."


def test_order_ref_joins_rows_into_one_group():
    """Rows sharing an order_ref form one group even when typed slightly differently."""
    rows = [
        _row(2, ["+13125550101"], {**ACME, "order_ref": "PO-7"}),
        _row(3, ["+13125550102"], {**ACME, "order_ref": "po-7"}),
    ]
    assert len(group_accounts("batch", rows, key=KEY)) == 1


def test_rows_with_errors_are_left_out_of_every_group():
    """A row with an error is in no group."""
    rows = [_row(2, ["+13125550101"], ACME, errors=True), _row(3, ["+13125550102"], ACME)]
    groups = group_accounts("batch", rows, key=KEY)
    assert [g.phone_numbers for g in groups] == [["+13125550102"]]


def test_split_follows_type_spid_and_fastport():
    """Within one account, numbers split by type, SPID and FastPort eligibility."""
    numbers = ["+13125550101", "+13125550102", "+18005550103", "+13125550104", "+13125550105"]
    answers = {
        numbers[0]: _answer(numbers[0], spid="AAAA"),
        numbers[1]: _answer(numbers[1], spid="BBBB"),
        numbers[2]: _answer(numbers[2], spid="RESP", kind="toll_free"),
        numbers[3]: _answer(numbers[3], spid="AAAA", fast=True),
        numbers[4]: _answer(numbers[4], spid="AAAA"),
    }
    plan = build_plan("batch", [_row(2, numbers, ACME)], answers, key=KEY)
    (group,) = plan.groups
    assert {p.key: p.phone_numbers for p in group.planned} == {
        SplitKey("US", "local", "AAAA", False): ["+13125550101", "+13125550105"],
        SplitKey("US", "local", "AAAA", True): ["+13125550104"],
        SplitKey("US", "local", "BBBB", False): ["+13125550102"],
        SplitKey("US", "toll_free", "RESP", False): ["+18005550103"],
    }


def test_not_portable_numbers_are_in_no_planned_order():
    """A number the check says is not portable is dropped from the plan."""
    numbers = ["+13125550101", "+13125559901"]
    answers = {
        numbers[0]: _answer(numbers[0]),
        numbers[1]: Answer(numbers[1], False, False, "No coverage"),
    }
    plan = build_plan("batch", [_row(2, numbers, ACME)], answers, key=KEY)
    assert [p.phone_numbers for p in plan.groups[0].planned] == [["+13125550101"]]


def test_customer_reference_is_deterministic_per_batch_and_group():
    """The same batch and group always give the same reference; another group another one."""
    rows = [_row(2, ["+13125550101"], ACME), _row(3, ["+13125550102"], GLOBEX)]
    first = [g.customer_reference for g in group_accounts("batch", rows, key=KEY)]
    again = [g.customer_reference for g in group_accounts("batch", rows, key=KEY)]
    other = [g.customer_reference for g in group_accounts("other", rows, key=KEY)]
    assert first == again
    assert len(set(first)) == 2
    assert set(first).isdisjoint(other)
    assert customer_reference("My Batch!", "abcdef0123456789") == "My-Batch-abcdef0123"


def test_compare_split_reports_only_real_differences():
    """Equal splits compare clean; a different split is described."""
    key = SplitKey("US", "local", "A", False)
    planned = [PlannedOrder(key, ["+1", "+2"]), PlannedOrder(key, ["+3"])]
    assert compare_split(planned, [["+3"], ["+2", "+1"]]) == []
    assert compare_split(planned, [["+1", "+2", "+3"]]) != []
