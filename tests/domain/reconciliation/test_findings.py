"""DQ604 systematic shift, DQ605 truncated text, and DQ601/DQ602 artefacts present on one side only."""

from __future__ import annotations

import datetime as dt

from sendtrack.domain.reconciliation import SHIFT_MIN_RECORDS, reconcile
from tests.domain.reconciliation.builders import D, add_case, council, empty, renumbered, row


def findings(result, code):
    return {(f.table, f.old_id, f.new_id, f.field) for f in result.findings if f.code == code}


def _shifted(total: int, shifted: int, days: int = 1):
    old = empty()
    for n in range(1, total + 1):
        add_case(old, n, surname=f"S{n}", forename=f"F{n}", birth=D(2010, 1, 1) + dt.timedelta(days=n),
                 issued=D(2024, 5, 1) + dt.timedelta(days=n))  # fmt: skip
    new = renumbered(old)
    for n in range(1, shifted + 1):
        review = row(new, "reviews", review_id=f"N-RV{n}")
        review["decision_date"] += dt.timedelta(days=days)
    return reconcile(old, new, as_of=D(2025, 6, 30), kpis=None)


def test_dq604_a_shift_in_more_than_5_percent_of_matches_is_systematic():
    result = _shifted(200, 11)  # 5.5%
    assert findings(result, "DQ604") == {("reviews", f"RV{n}", f"N-RV{n}", "decision_date") for n in range(1, 12)}
    detail = next(f.detail for f in result.findings if f.code == "DQ604")
    assert "1 day later in new" in detail
    assert "11 of 200 matched records" in detail


def test_dq604_exactly_5_percent_is_not_systematic():
    assert not findings(_shifted(200, 10), "DQ604")  # 5.0%: "more than 5%" is not met


def test_dq604_a_handful_of_records_is_not_systematic_even_in_a_small_extract():
    assert not findings(_shifted(50, SHIFT_MIN_RECORDS - 1), "DQ604")  # 18%, but fewer than the minimum
    assert findings(_shifted(50, SHIFT_MIN_RECORDS), "DQ604")


def test_dq604_differences_by_different_amounts_are_not_a_shift():
    old = empty()
    for n in range(1, 11):
        add_case(old, n, surname=f"S{n}", forename=f"F{n}", birth=D(2010, 1, n))
    new = renumbered(old)
    for n in range(1, 11):
        row(new, "reviews", review_id=f"N-RV{n}")["decision_date"] += dt.timedelta(days=n)  # 1, 2, ... 10 days
    result = reconcile(old, new, as_of=D(2025, 6, 30), kpis=None)
    assert not findings(result, "DQ604")
    assert len([d for d in result.differences if d.field == "decision_date"]) == 10


def test_dq605_a_name_cut_short_is_flagged_on_the_matched_record():
    old = council(2)
    row(old, "people", person_id="P1")["surname"] = "Featherstonehaugh-Smythe"
    new = renumbered(old)
    row(new, "people", person_id="N-P1")["surname"] = "Featherstonehaugh-"
    row(new, "people", person_id="N-P2")["forename"] = "Forenamex"  # longer, not a prefix: a change, not a cut
    result = reconcile(old, new, as_of=D(2025, 1, 31), kpis=None)
    assert findings(result, "DQ605") == {("people", "P1", "N-P1", "surname")}
    detail = next(f.detail for f in result.findings if f.code == "DQ605")
    assert detail.startswith("surname in new is the first 17 of the 23 letters")


def test_dq601_a_placeholder_on_one_side_only_is_a_finding_and_one_on_both_is_not():
    old = council(2)
    new = renumbered(old)
    row(new, "advice", advice_id="N-V10")["requested_date"] = D(1900, 1, 1)
    row(old, "advice", advice_id="V20")["requested_date"] = D(1900, 1, 1)
    row(new, "advice", advice_id="N-V20")["requested_date"] = D(1900, 1, 1)
    result = reconcile(old, new, as_of=D(2025, 1, 31), kpis=None)
    assert findings(result, "DQ601") == {("advice", "V10", "N-V10", "requested_date")}
    assert "in new only" in next(f.detail for f in result.findings if f.code == "DQ601")


def test_dq602_a_run_date_stamped_in_one_extract_only():
    old = empty()
    for n in range(1, 61):
        add_case(old, n, surname=f"S{n}", forename=f"F{n}", birth=D(2010, 1, 1) + dt.timedelta(days=n),
                 received=D(2023, 1, 1) + dt.timedelta(days=3 * n), decided=D(2023, 9, 1) + dt.timedelta(days=n),
                 issued=None)  # fmt: skip
    new = renumbered(old)
    for n in range(1, 26):
        row(new, "requests", request_id=f"N-R{n}")["received_date"] = D(2024, 11, 4)
    result = reconcile(old, new, as_of=D(2025, 1, 31), kpis=None)
    assert findings(result, "DQ602") == {("requests", f"R{n}", f"N-R{n}", "received_date") for n in range(1, 26)}
    # the stamped requests still match, by their outcome date
    assert {m.rule for m in result.matches if m.table == "requests" and m.old_id in {"R1", "R25"}} == {
        "same_outcome_date"
    }
    assert "25 requests carry 2024-11-04" in next(f.detail for f in result.findings if f.code == "DQ602")
