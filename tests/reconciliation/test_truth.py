"""Done when: on a generated pair the reconciliation recovers exactly the damage the generator recorded.

Every dropped and new-only person and record, every surviving record matched to its renumbered key,
the systematic shift, the truncations, the stamped run date and the placeholders flagged on exactly the
damaged records, and its two KPI columns equal to the KPIs computed on each extract alone.
"""

from __future__ import annotations

from sendtrack.domain.kpis import compute_kpis
from sendtrack.domain.reconciliation.kpis import flatten
from tests.reconciliation.conftest import AS_OF, PERIOD

TABLES = ("people", "requests", "assessments", "advice", "plans", "placements", "needs", "reviews", "phase_transfers")


def test_the_damage_was_done_so_the_test_means_something(migration_pair):
    truth = migration_pair.truth
    assert len(truth.dropped["people"]) == 12
    assert len(truth.new_only["people"]) == 12
    assert truth.dropped["reviews"]
    assert truth.new_only["reviews"]
    assert truth.upn_lost
    assert truth.truncated
    assert truth.swapped
    assert truth.placeholders
    assert len(truth.shift["records"]) > 100
    assert len(truth.stamped["records"]) >= 30


def test_every_dropped_and_new_only_record_is_reported_and_nothing_else(migration_pair):
    result, truth = migration_pair.result, migration_pair.truth
    for table in TABLES:
        only_old = {u.record_id for u in result.unmatched if u.table == table and u.side == "old"}
        only_new = {u.record_id for u in result.unmatched if u.table == table and u.side == "new"}
        assert only_old == set(truth.dropped[table]), table
        assert only_new == set(truth.new_only[table]), table


def test_every_surviving_record_is_matched_to_its_renumbered_key(migration_pair):
    result, truth = migration_pair.result, migration_pair.truth
    for table in ("caseworkers", *TABLES):
        got = {m.old_id: m.new_id for m in result.matches if m.table == table}
        assert got == truth.key_map[table], table
    assert not result.ties


def test_people_whose_upn_was_lost_are_matched_by_a_later_rule_and_the_loss_is_a_difference(migration_pair):
    result, truth = migration_pair.result, migration_pair.truth
    rules = {m.old_id: m.rule for m in result.matches if m.table == "people"}
    assert {rules[p] for p in truth.upn_lost} <= {"uln", "name_and_birth_date", "truncated_name"}
    lost = {d.old_id for d in result.differences if d.table == "people" and d.field == "upn" and d.new_value is None}
    assert lost == set(truth.upn_lost)


def test_the_systematic_shift_is_flagged_on_exactly_the_shifted_records(migration_pair):
    result, truth = migration_pair.result, migration_pair.truth
    shift = truth.shift
    flagged = {(f.table, f.field, f.old_id) for f in result.findings if f.code == "DQ604"}
    assert flagged == {(shift["table"], shift["field"], rid) for rid in shift["records"]}


def test_every_truncated_name_is_flagged(migration_pair):
    result, truth = migration_pair.result, migration_pair.truth
    flagged = {(f.old_id, f.new_id, f.field) for f in result.findings if f.code == "DQ605"}
    assert flagged == {(t["old_id"], t["new_id"], t["field"]) for t in truth.truncated}


def test_the_stamped_run_date_is_a_spike_in_new_only_on_exactly_the_records_that_carry_it(migration_pair):
    result, truth = migration_pair.result, migration_pair.truth
    stamped = truth.stamped
    flagged = {f.new_id for f in result.findings if f.code == "DQ602"}
    assert flagged == set(stamped["spike_records"])
    assert {truth.key_map[stamped["table"]][rid] for rid in stamped["records"]} <= flagged
    assert {f.field for f in result.findings if f.code == "DQ602"} == {stamped["field"]}
    # stamped requests are still matched: by their outcome date
    rules = {m.old_id: m.rule for m in result.matches if m.table == stamped["table"]}
    assert {rules[rid] for rid in stamped["records"]} == {"same_outcome_date"}


def test_placeholders_are_flagged_in_new_only_and_swaps_are_differences(migration_pair):
    result, truth = migration_pair.result, migration_pair.truth
    assert {(f.old_id, f.new_id) for f in result.findings if f.code == "DQ601"} == {
        (p["old_id"], p["new_id"]) for p in truth.placeholders
    }
    differences = {(d.table, d.old_id, d.field) for d in result.differences}
    assert {(s["table"], s["old_id"], s["field"]) for s in truth.swapped} <= differences


def test_the_two_kpi_columns_equal_the_kpis_of_each_extract_alone(migration_pair):
    result = migration_pair.result
    for side, read in (("old", migration_pair.old), ("new", migration_pair.new)):
        alone = flatten(compute_kpis(read.tables, as_of=AS_OF, period_from=PERIOD[0], period_to=PERIOD[1]).values)
        assert {line.key: getattr(line, side) for line in result.kpi_lines} == alone, side
    summary = result.summary()["kpis"]
    assert summary["plans_issued"] == {
        "old": summary["plans_issued"]["old"],
        "new": summary["plans_issued"]["new"],
        "difference": summary["plans_issued"]["new"] - summary["plans_issued"]["old"],
    }


def test_the_headline_measure_moves_are_explained_by_the_damage(migration_pair):
    result, truth = migration_pair.result, migration_pair.truth
    impact = next(i for i in result.kpi_impacts if i.key == "plans_issued_within_20_weeks_ex_pc")
    explained = {(c.table, c.field) for count in impact.causes for c in count.causes}
    damaged = {(truth.shift["table"], truth.shift["field"]), (truth.stamped["table"], truth.stamped["field"])}
    assert explained
    assert explained <= damaged | {("requests", "request_outcome_date")}
    assert impact.moved == sum(impact.movements.values())
