"""The KPIs side by side (computed on each extract alone) and the KPI impact: who moved, and why."""

from __future__ import annotations

from sendtrack.domain.kpis import compute_kpis
from sendtrack.domain.reconciliation import ChangeKind, Movement, reconcile
from sendtrack.domain.reconciliation.kpis import compare_values, flatten
from sendtrack.domain.reconciliation.text import headline, impact_sentences
from tests.domain.reconciliation.builders import D, council, renumbered, row

AS_OF, FROM, TO = D(2025, 1, 31), D(2024, 1, 1), D(2024, 12, 31)
KEY = "plans_issued_within_20_weeks_ex_pc"


def _pair():
    """Four plans issued in 2024, all within 20 weeks; in new, one request date moved back 5 weeks (and its
    draft date changed too, which moves nothing), and one case is missing."""
    old = council(4)
    new = renumbered(old)
    row(new, "requests", request_id="N-R1")["received_date"] = D(2023, 12, 4)  # 168 days before the plan
    row(new, "assessments", assessment_id="N-A1")["draft_plan_date"] = D(2024, 4, 29)
    for table, column, key in (("people", "person_id", "N-P4"), ("requests", "person_id", "N-P4"),
                               ("plans", "person_id", "N-P4")):  # fmt: skip
        new[table] = [r for r in new[table] if r[column] != key]
    new["assessments"] = [a for a in new["assessments"] if a["request_id"] != "N-R4"]
    new["advice"] = [a for a in new["advice"] if a["assessment_id"] != "N-A4"]
    for table in ("placements", "needs", "reviews"):
        new[table] = [r for r in new[table] if r["plan_id"] != "N-PL4"]
    return old, new


def test_each_kpi_column_is_the_kpis_of_that_extract_alone():
    old, new = _pair()
    result = reconcile(old, new, as_of=AS_OF, period_from=FROM, period_to=TO)
    alone_old = flatten(compute_kpis(old, as_of=AS_OF, period_from=FROM, period_to=TO).values)
    alone_new = flatten(compute_kpis(new, as_of=AS_OF, period_from=FROM, period_to=TO).values)
    assert {line.key: line.old for line in result.kpi_lines} == alone_old
    assert {line.key: line.new for line in result.kpi_lines} == alone_new
    line = next(line for line in result.kpi_lines if line.key == KEY)
    assert (line.old, line.new, line.difference) == (100.0, 66.7, -33.3)


def test_the_impact_names_the_moved_plan_and_the_difference_that_moved_it():
    old, new = _pair()
    result = reconcile(old, new, as_of=AS_OF, period_from=FROM, period_to=TO)
    impact = next(i for i in result.kpi_impacts if i.key == KEY)
    assert impact.movements == {Movement.LEFT_NUMERATOR: 1, Movement.ONLY_IN_OLD: 1}
    moved = next(m for m in impact.movers if m.movement is Movement.LEFT_NUMERATOR)
    assert (moved.old_id, moved.new_id) == ("A1", "N-A1")
    # the draft date also differs, but applied alone it moves nothing: only the received date is named
    assert [(c.table, c.field, c.kind) for c in moved.causes] == [("requests", "received_date", ChangeKind.CHANGED)]
    sentences = impact_sentences(impact)
    assert "1 plan moved from within to outside 20 weeks: because the request's received date changed." in sentences
    assert "1 plan counted in old is not in the new extract at all." in sentences
    assert any("reads 66.7% on the new extract and 100.0% on the old" in s for s in headline(result))


def test_compare_values_flattens_breakdowns_and_never_makes_a_difference_from_a_missing_value():
    lines = {
        line.key: line
        for line in compare_values(
            {"a_pc": 50.0, "open_by_weeks": {"0-6": 3}, "b_pc": None},
            {"a_pc": 41.25, "open_by_weeks": {"0-6": 5}, "b_pc": 10.0},
        )
    }
    assert lines["a_pc"].difference == -8.8
    assert lines["open_by_weeks.0-6"].difference == 2
    assert lines["b_pc"].difference is None


def test_kpis_can_be_left_out():
    old, new = _pair()
    result = reconcile(old, new, as_of=AS_OF, kpis=None)
    assert result.kpi_lines is None
    assert result.kpi_impacts is None
    assert result.summary()["kpis"] is None
