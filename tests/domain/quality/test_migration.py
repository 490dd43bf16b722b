"""DQ6xx migration-artefact rules: one firing and one silent case per code at least."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from sendtrack.domain.quality.rules.migration import spike_dates, swapped
from tests.domain.quality.builders import (
    Change,
    D,
    Tables,
    case_id,
    cases_for,
    fires,
    run_case,
    set_,
    silent,
)

SPIKE_DAY = D(2023, 3, 1)


def _requests(*dates: dt.date, prefix: str = "S") -> Change:
    """Add one request (and its person) per date: a crowd for the date-spike rule."""

    def change(tables: Tables) -> None:
        for n, day in enumerate(dates):
            pid = f"{prefix}P{n}"
            tables["people"].append({"person_id": pid, "upn_unknown": "UN1", "birth_date": None})
            tables["requests"].append({"request_id": f"{prefix}R{n}", "person_id": pid, "received_date": day,
                                       "request_outcome": "A", "caseworker_id": "CW1"})  # fmt: skip

    return change


def _placements(*dates: dt.date) -> Change:
    def change(tables: Tables) -> None:
        for n, day in enumerate(dates):
            tables["placements"].append({"plan_id": f"PLX{n}", "kind": "attended", "placement_rank": "1",
                                         "urn": f"2000{n:02}", "entry_date": day})  # fmt: skip

    return change


#: 40 ordinary days, one request each, from 2 January 2023.
SPREAD = tuple(
    D(2023, 1, 2) + dt.timedelta(days=n) for n in range(40) if D(2023, 1, 2) + dt.timedelta(days=n) != SPIKE_DAY
)

CASES = [
    # DQ601 placeholder dates
    fires(
        "DQ601",
        "birth-1900",
        set_("people", "P1", birth_date=D(1900, 1, 1)),
        expect=[("people", "P1", ("birth_date",))],
    ),  # fmt: skip
    fires(
        "DQ601",
        "received-2000",
        set_("requests", "R1", received_date=D(2000, 1, 1)),
        expect=[("requests", "R1", ("received_date",))],
    ),  # fmt: skip
    fires(
        "DQ601",
        "cease-9999",
        set_("plans", "PL4", cease_date=D(9999, 12, 31)),
        expect=[("plans", "PL4", ("cease_date",))],
    ),  # fmt: skip
    fires(
        "DQ601",
        "leaving-1970",
        set_("placements", "PL4|attended|1|2019-09-02", leaving_date=D(1970, 1, 1)),
        expect=[("placements", "PL4|attended|1|2019-09-02", ("leaving_date",))],
    ),  # fmt: skip
    fires(
        "DQ601",
        "two-fields-two-findings",
        set_("reviews", "RV3", meeting_date=D(1901, 1, 1), decision_date=D(1901, 1, 1)),
        expect=[("reviews", "RV3", ("meeting_date",)), ("reviews", "RV3", ("decision_date",))],
    ),  # fmt: skip
    silent("DQ601", "clean"),
    silent("DQ601", "birth-2000-is-real", set_("people", "P2", birth_date=D(2000, 1, 1))),
    silent("DQ601", "day-after-placeholder", set_("people", "P1", birth_date=D(1900, 1, 2))),
    # DQ602 date spike
    fires(
        "DQ602",
        "21-requests-on-one-day",
        _requests(*SPREAD, *([SPIKE_DAY] * 21)),
        expect=[("requests", f"SR{n}", ("received_date",)) for n in range(len(SPREAD), len(SPREAD) + 21)],
    ),
    fires(
        "DQ602",
        "spike-in-placement-entry",
        _placements(*([D(2023, 9, 4)] * 25)),
        expect=[("placements", f"PLX{n}|attended|1|2023-09-04", ("entry_date",)) for n in range(25)],
    ),
    silent("DQ602", "clean"),
    silent("DQ602", "20-is-not-more-than-20", _requests(*SPREAD, *([SPIKE_DAY] * 20))),
    silent("DQ602", "1-september-placement-entries", _placements(*([D(2023, 9, 1)] * 25))),
    silent("DQ602", "not-ten-times-the-median", _requests(*(SPREAD * 3), *([SPIKE_DAY] * 25))),
    # DQ603 probable day/month swap
    fires(
        "DQ603",
        "request-outcome-us-format",
        set_("requests", "R2", request_outcome_date=D(2024, 10, 12)),
        expect=[("requests", "R2", ("request_outcome_date",))],
    ),  # fmt: skip
    fires(
        "DQ603",
        "review-decision-us-format",
        set_("reviews", "RV1", decision_date=D(2024, 4, 12)),
        expect=[("reviews", "RV1", ("decision_date",))],
    ),  # fmt: skip
    fires(
        "DQ603",
        "final-plan-before-draft",
        set_("assessments", "A1", assessment_outcome_date=D(2024, 1, 2), draft_plan_date=D(2024, 1, 5)),
        expect=[("assessments", "A1", ("assessment_outcome_date",))],
    ),  # fmt: skip
    silent("DQ603", "clean"),
    silent("DQ603", "day-over-12", set_("requests", "R2", request_outcome_date=D(2024, 10, 13))),
    silent("DQ603", "day-equals-month", set_("requests", "R2", request_outcome_date=D(2024, 10, 10))),
    silent("DQ603", "swap-still-out-of-order", set_("requests", "R2", request_outcome_date=D(2024, 5, 10))),
    silent(
        "DQ603",
        "swap-past-extract-date",
        set_("requests", "R6", received_date=D(2025, 1, 10), request_outcome="Y", request_outcome_date=D(2025, 1, 2)),
    ),  # fmt: skip
]


@pytest.mark.parametrize("case", cases_for(CASES, "DQ601"), ids=case_id)
def test_dq601_placeholder_date(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ602"), ids=case_id)
def test_dq602_date_spike(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ603"), ids=case_id)
def test_dq603_day_month_swap(case):
    run_case(case)


def test_dq602_threshold_uses_the_median_of_days_with_records():
    counts = Counter({D(2023, 1, n): 2 for n in range(1, 30)})
    counts[SPIKE_DAY] = 21
    assert spike_dates(counts, "requests", "received_date") == {SPIKE_DAY}  # 21 > 20 and 21 > 10 x 2
    counts = Counter({D(2023, 1, n): 3 for n in range(1, 30)})
    counts[SPIKE_DAY] = 30
    assert spike_dates(counts, "requests", "received_date") == set()  # 30 is not more than 10 x 3


def test_dq602_term_boundaries_only_for_the_named_fields():
    counts = Counter({D(2023, 9, 1): 50, D(2023, 1, 5): 1, D(2023, 1, 6): 1})
    assert spike_dates(counts, "plans", "cease_date") == set()
    assert spike_dates(counts, "phase_transfers", "transfer_date") == set()
    assert spike_dates(counts, "plans", "start_date") == {D(2023, 9, 1)}
    counts = Counter({D(2023, 8, 31): 50, D(2023, 1, 5): 1, D(2023, 1, 6): 1})
    assert spike_dates(counts, "placements", "leaving_date") == set()
    assert spike_dates(counts, "reviews", "decision_date") == {D(2023, 8, 31)}
    assert spike_dates(Counter(), "reviews", "decision_date") == set()


def test_swapped():
    assert swapped(D(2024, 3, 12)) == D(2024, 12, 3)
    assert swapped(D(2024, 3, 3)) is None
    assert swapped(D(2024, 3, 13)) is None


def _requests(days):
    return [{"request_id": f"R{i}", "person_id": f"P{i}", "received_date": day} for i, day in enumerate(days)]


def test_dq602_in_one_part_of_an_extract_finds_the_spikes_of_the_whole():
    """A part holding 3 of the 30 records stamped with one date: alone it has no spike; told the whole's
    counts (`count_dates` over every part), it flags exactly its own 3."""
    from sendtrack.domain.quality import Dataset, run_rules
    from sendtrack.domain.quality.rules.migration import count_dates

    whole = _requests([SPIKE_DAY] * 30 + [D(2023, 1, n) for n in range(1, 29)])
    part = whole[:3] + whole[30:35]
    counts: dict = {}
    for chunk in (whole[:20], whole[20:]):
        count_dates("requests", chunk, counts)
    alone = run_rules(Dataset.from_tables({"requests": part}), as_of=AS_OF_SPIKES, codes=["DQ602"])
    told = run_rules(Dataset.from_tables({"requests": part}), as_of=AS_OF_SPIKES, codes=["DQ602"], date_counts=counts)
    assert alone == []
    assert [f.record_id for f in told] == ["R0", "R1", "R2"]
    everything = run_rules(Dataset.from_tables({"requests": whole}), as_of=AS_OF_SPIKES, codes=["DQ602"])
    assert len(everything) == 30


AS_OF_SPIKES = D(2024, 1, 1)
