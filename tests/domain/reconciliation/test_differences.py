"""Field differences: values differ after trimming; dates compare as dates; references through the matches."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sendtrack.domain.reconciliation import reconcile, values_differ
from tests.domain.reconciliation.builders import D, council, renumbered, row


@pytest.mark.parametrize(
    ("old", "new", "differ"),
    [
        ("Smith", " Smith ", False),
        ("Smith", "SMITH", True),  # trimming only: case is a difference (names are matched, not equal)
        (None, "", False),
        (None, "  ", False),
        (D(2024, 1, 2), "2024-01-02", False),
        (D(2024, 1, 2), D(2024, 1, 3), True),
        (D(2024, 1, 2), None, True),
        (None, False, False),  # a blank flag is 0
        (True, False, True),
        (Decimal("0.8"), Decimal("0.80"), False),
        (Decimal("0.8"), "0.8", True),  # text is not a number: the reader types numbers
        ("A", "B", True),
    ],
)
def test_values_differ(old, new, differ):
    assert values_differ(old, new) is differ


def test_differences_list_every_differing_field_of_matched_records_only():
    old = council(2)
    new = renumbered(old)
    row(new, "people", person_id="N-P1").update(postcode="SF9 9ZZ", surname=" Surname1 ")
    row(new, "assessments", assessment_id="N-A2")["draft_plan_date"] = None
    result = reconcile(old, new, as_of=D(2025, 1, 31), kpis=None)
    got = {(d.table, d.old_id, d.new_id, d.field, d.old_value, d.new_value) for d in result.differences}
    assert got == {
        ("people", "P1", "N-P1", "postcode", "SF1 1AA", "SF9 9ZZ"),
        ("assessments", "A2", "N-A2", "draft_plan_date", D(2024, 4, 30), None),
    }
    counts = result.table_counts
    assert (counts["people"].in_both, counts["people"].matched_with_differences) == (2, 1)
    assert counts["assessments"].matched_with_differences == 1


def test_a_reference_to_another_record_differs_only_when_it_names_a_different_matched_record():
    old = council(1)
    old["caseworkers"].append({"caseworker_id": "CW2", "name": "Robin Other", "team": "South", "fte": 1,
                               "active": True})  # fmt: skip
    new = renumbered(old)
    row(new, "plans", plan_id="N-PL1")["caseworker_id"] = "N-CW2"  # reallocated in the new system
    result = reconcile(old, new, as_of=D(2025, 1, 31), kpis=None)
    assert [(d.table, d.field, d.old_value, d.new_value) for d in result.differences] == [
        ("plans", "caseworker_id", "CW1", "N-CW2")
    ]
