"""Small numbers are hidden from councillors; commentary says what changed, by how much, and where."""

from __future__ import annotations

import pytest

from sendtrack.domain.kpis import suppression
from sendtrack.domain.kpis.breakdowns import Stage
from sendtrack.domain.kpis.commentary import Snapshot, commentary


@pytest.mark.parametrize(("value", "shown"), [(0, 0), (1, "c"), (5, "c"), (6, 6), (120, 120)])
def test_counts_from_1_to_5_are_suppressed(value, shown):
    assert suppression.count(value) == shown


def test_the_threshold_is_a_setting():
    assert suppression.count(7, threshold=10) == "c"


@pytest.mark.parametrize(("denominator", "shown"), [(9, "c"), (10, 55.0), (0, None)])
def test_percentages_over_fewer_than_10_records_are_suppressed(denominator, shown):
    assert suppression.percent(None if denominator == 0 else 55.0, denominator) == shown


def test_a_single_hidden_cell_in_a_group_hides_the_next_smallest_so_it_cannot_be_worked_out():
    shown = suppression.group({"1": 40, "2": 3, "3": 12, "4": 0, "5": 25})
    assert shown == {"1": 40, "2": "c", "3": "c", "4": 0, "5": 25}
    assert suppression.group({"1": 40, "2": 3, "3": 2}) == {"1": 40, "2": "c", "3": "c"}


def snapshot(label, **values):
    denominators = {k: 50 for k in values}
    return Snapshot(label, values, denominators)


def test_commentary_says_what_changed_by_how_much_against_the_target():
    now = snapshot(
        "2025",
        plans_issued_within_20_weeks_ex_pc=44.4,
        reviews_on_time_pc=61.0,
        request_decisions_within_6_weeks_pc=95.0,
        requests_received=220,
        plans_issued=130,
        open_requests=40,
        open_assessments=100,
        **{"open_by_weeks.20-52": 30, "open_by_weeks.52+": 4},
    )
    before = snapshot(
        "2024",
        plans_issued_within_20_weeks_ex_pc=62.0,
        reviews_on_time_pc=60.5,
        request_decisions_within_6_weeks_pc=94.5,
        requests_received=200,
        plans_issued=130,
    )
    stages = [
        Stage("Advice", "decision to assess to the last advice received", [70] * 12),
        Stage("Final plan", "draft plan to the final plan", [20] * 12),
    ]
    text = commentary(
        current=now,
        previous=before,
        targets={
            "plans_issued_within_20_weeks_ex_pc": 60.0,
            "reviews_on_time_pc": 80.0,
            "request_decisions_within_6_weeks_pc": 90.0,
        },
        stages=stages,
    )
    assert text[0] == (
        "Plans issued within 20 weeks (excluding exceptions): 44.4% in 2025, down 17.6 points from 62.0% in 2024; "
        "15.6 points below the target of 60%."
    )
    assert any(s.startswith("Annual reviews on time: 61.0% in 2025, about the same") for s in text)
    assert not any("within 6 weeks" in s for s in text)  # steady and above target: not worth a line
    assert "220 requests for an EHC needs assessment were received in 2025, up 10% on the previous period." in text
    assert (
        "At the as-of date 140 requests and assessments were open, 34 of them more than 20 weeks after the request."
        in text
    )
    assert text[-1] == (
        "Most of the time to a plan goes on the advice stage: a median of 10.0 weeks from decision to assess to "
        "the last advice received."
    )


def test_commentary_for_councillors_never_writes_a_small_number():
    now = Snapshot(
        "2025",
        {
            "plans_issued_within_20_weeks_ex_pc": 50.0,
            "requests_received": 4,
            "plans_issued": 0,
            "open_requests": 2,
            "open_assessments": 1,
        },
        {"plans_issued_within_20_weeks_ex_pc": 6},
    )
    text = " ".join(commentary(current=now, previous=None, targets={}, threshold=5))
    assert "50.0%" not in text
    assert "too few cases" in text
    assert "Between 1 and 5 requests" in text
    assert " 3 " not in text
    assert " 4 " not in text
    unsuppressed = " ".join(commentary(current=now, previous=None, targets={}, threshold=None))
    assert "50.0%" in unsuppressed
