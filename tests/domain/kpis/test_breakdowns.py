"""Breakdowns sort a figure's own records into groups that add up to it; stages time each step."""

from __future__ import annotations

from sendtrack.domain.kpis import compute_kpis
from sendtrack.domain.kpis.breakdowns import NO_PLAN, breakdown, dimension_labels, stage_durations
from tests.domain.kpis.builders import Council, D


def council() -> Council:
    c = Council()
    c.caseworker("CW1", "North")
    c.caseworker("CW2", "South")
    young = c.person(birth=D(2021, 5, 1))
    older = c.person(birth=D(2009, 5, 1))
    r1 = c.request(D(2024, 9, 2), "Y", D(2024, 10, 7), person_id=young, caseworker="CW1")
    a1 = c.assessment(r1, "Y", D(2025, 1, 20), draft=D(2024, 12, 20))
    c.advice(a1, D(2024, 10, 14), D(2024, 11, 25))
    p1 = c.plan(D(2025, 1, 20), person_id=young, assessment_id=a1, caseworker="CW1")
    c.tables["needs"].append({"plan_id": p1, "sen_type": "ASD", "sen_type_rank": "1"})
    c.tables["placements"].append({"plan_id": p1, "kind": "attended", "sen_setting": "EYP", "placement_rank": "1",
                                   "entry_date": D(2025, 2, 1)})  # fmt: skip
    r2 = c.request(D(2024, 9, 2), "Y", D(2024, 10, 14), person_id=older, caseworker="CW2")
    c.assessment(r2, "Y", D(2025, 3, 1))  # late, no plan record yet
    return c


def test_a_breakdown_adds_up_to_the_figure_and_labels_each_group():
    c = council()
    result = compute_kpis(c.tables, as_of=D(2025, 6, 1), period_from=D(2025, 1, 1), period_to=D(2025, 6, 1))
    labels = dimension_labels(c.tables, as_of=D(2025, 6, 1))
    members = result.members["plans_issued_within_20_weeks_ex_pc"]
    for dimension in ("primary_need", "age_group", "setting", "team"):
        groups = breakdown(members, labels, dimension)
        assert sum(len(g.denominator) for g in groups) == len(members.denominator)
        assert sum(len(g.numerator) for g in groups) == len(members.numerator)
    by_need = {g.label: g.percent for g in breakdown(members, labels, "primary_need")}
    assert by_need == {"Autistic spectrum disorder": 100.0, NO_PLAN: 0.0}
    assert {g.label for g in breakdown(members, labels, "age_group")} == {"Under 5", "16 to 19"}
    assert {g.label for g in breakdown(members, labels, "team")} == {"North", "South"}
    assert "Early years provider" in {g.label for g in breakdown(members, labels, "setting")}


def test_stage_durations_time_each_step_of_the_plans_issued():
    c = council()
    stages = {s.name: s for s in stage_durations(c.tables, ["A0004", "A0008"])}
    assert stages["Decision to assess"].days == [35, 42]
    assert stages["Advice"].days == [49]  # 7 Oct to 25 Nov
    assert stages["Draft plan"].days == [25]  # 25 Nov to 20 Dec
    assert stages["Final plan"].days == [31]
    assert stages["Decision to assess"].median_weeks == 5.5
