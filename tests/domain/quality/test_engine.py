"""The engine: record ids, owners and teams, scopes, the per-case re-check and the finding lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from sendtrack.domain.quality import (
    Dataset,
    Finding,
    Scope,
    Severity,
    StoredFinding,
    diff_findings,
    get_rule,
    record_id,
    run_case_rules,
    run_rules,
)
from sendtrack.domain.quality.engine import rule
from tests.domain.quality.builders import AS_OF, D, Tables, clean_tables, find, set_


def _run(tables: Tables, **kwargs) -> list[Finding]:
    return run_rules(Dataset.from_tables(tables), as_of=AS_OF, extract_date=AS_OF, **kwargs)


def _broken() -> Tables:
    """The clean council with one fault on each kind of record, to check owners."""
    tables = clean_tables()
    for change in (
        set_("people", "P1", postcode="XX"),  # DQ106 person with a current plan: PL1 → CW1
        set_("people", "P2", postcode="XX"),  # person with a request only: R2 → CW2
        set_("people", "P4", postcode="XX"),  # person with a ceased plan: latest request R4 → CW1
        set_("requests", "R5", request_source="5"),  # DQ309 request → CW2
        set_("assessments", "A5", week20_exception=True),  # DQ306 assessment → request R5 → CW2
        set_("advice", "ADV1", received_date=D(2023, 10, 1)),  # DQ209 advice → A1 → R1 → CW1
        set_("placements", "PL3|attended|1|2024-04-22", sen_setting="NIEO"),  # DQ407 placement → PL3 → CW2
        set_("reviews", "RV3", outcome=None),  # DQ409 review → PL3 → CW2
        set_("plans", "PL4", cease_reason="9"),  # DQ407 plan → CW1
    ):
        change(tables)
    return tables


def test_record_ids():
    tables = clean_tables()
    assert record_id("requests", find(tables, "requests", "R1")) == "R1"
    placement = find(tables, "placements", "PL1|attended|1|2024-01-22")
    assert record_id("placements", placement) == "PL1|attended|1|2024-01-22"
    assert record_id("placements", find(tables, "placements", "PL1|named|1|")) == "PL1|named|1|"
    assert record_id("needs", {"plan_id": "PL1", "sen_type_rank": 2}) == "PL1|2"
    assert record_id("phase_transfers", {"plan_id": "PL1", "transfer_date": D(2026, 9, 1)}) == "PL1|2026-09-01"


def test_owners_and_teams_follow_the_spec():
    owners = {(f.code, f.table, f.record_id): (f.person_id, f.caseworker_id, f.team) for f in _run(_broken())}
    assert owners == {
        ("DQ106", "people", "P1"): ("P1", "CW1", "North"),
        ("DQ106", "people", "P2"): ("P2", "CW2", "South"),
        ("DQ106", "people", "P4"): ("P4", "CW1", "North"),
        ("DQ209", "advice", "ADV1"): ("P1", "CW1", "North"),
        ("DQ306", "assessments", "A5"): ("P5", "CW2", "South"),
        ("DQ309", "requests", "R5"): ("P5", "CW2", "South"),
        ("DQ407", "placements", "PL3|attended|1|2024-04-22"): ("P3", "CW2", "South"),
        ("DQ407", "plans", "PL4"): ("P4", "CW1", "North"),
        ("DQ409", "reviews", "RV3"): ("P3", "CW2", "South"),
    }


def test_person_owner_prefers_the_current_plan_over_a_later_request():
    tables = _broken()
    tables["requests"].append({"request_id": "R7", "person_id": "P1", "received_date": D(2024, 12, 1),
                               "request_outcome": "A", "caseworker_id": "CW2"})  # fmt: skip
    finding = next(f for f in _run(tables, codes=["DQ106"]) if f.record_id == "P1")
    assert finding.caseworker_id == "CW1"


def test_person_owner_is_the_latest_request_when_no_plan_is_current():
    tables = _broken()
    tables["requests"].append({"request_id": "R8", "person_id": "P4", "received_date": D(2024, 10, 1),
                               "request_outcome": "A", "caseworker_id": "CW2"})  # fmt: skip
    finding = next(f for f in _run(tables, codes=["DQ106"]) if f.record_id == "P4")
    assert finding.caseworker_id == "CW2"


def test_person_owner_falls_back_to_a_past_plan():
    tables = clean_tables()
    set_("people", "P3", postcode="XX")(tables)
    set_("plans", "PL3", cease_date=D(2024, 12, 1), cease_reason="1")(tables)  # no current plan, no request
    finding = _run(tables, codes=["DQ106"])[0]
    assert (finding.record_id, finding.caseworker_id) == ("P3", "CW2")


def test_no_team_without_a_caseworkers_table():
    tables = _broken()
    del tables["caseworkers"]
    findings = _run(tables, codes=["DQ309"])
    assert [(f.caseworker_id, f.team) for f in findings] == [("CW2", None)]


def test_orphan_record_has_no_person_and_no_owner():
    tables = clean_tables()
    tables["reviews"].append({"review_id": "RV9", "plan_id": "PL99", "meeting_date": D(2024, 5, 1)})
    findings = _run(tables)
    assert [(f.code, f.record_id, f.person_id, f.caseworker_id) for f in findings] == [("DQ307", "RV9", None, None)]


def test_findings_carry_the_rule_message_and_severity():
    findings = _run(_broken(), codes=["DQ309"])
    rule_ = get_rule("DQ309")
    assert findings[0].message == rule_.message
    assert findings[0].severity is Severity.QUERY
    assert findings[0].as_dict() == {
        "code": "DQ309", "severity": "query", "table": "requests", "record_id": "R5", "fields": "request_source",
        "message": rule_.message, "caseworker_id": "CW2", "team": "South", "person_id": "P5",
    }  # fmt: skip


def test_findings_are_sorted_and_deterministic():
    first, second = _run(_broken()), _run(_broken())
    assert first == second
    keys = [(int(f.code[2:]), f.table, f.record_id, f.fields) for f in first]
    assert keys == sorted(keys)


def test_scope_and_codes_select_rules():
    tables = clean_tables()
    set_("people", "P3", upn="L938200124001", postcode="XX")(tables)  # DQ103 (cross-case) and DQ106 (case)
    assert {f.code for f in _run(tables)} == {"DQ103", "DQ106"}
    assert {f.code for f in _run(tables, scope=Scope.CASE)} == {"DQ106"}
    assert {f.code for f in _run(tables, scope="cross_case")} == {"DQ103"}
    assert {f.code for f in _run(tables, codes=["DQ103"])} == {"DQ103"}
    with pytest.raises(KeyError):
        _run(tables, codes=["DQ999"])


def test_cross_case_rules_are_the_three_the_spec_names():
    from sendtrack.domain.quality import all_rules

    assert {r.code for r in all_rules() if r.scope is Scope.CROSS_CASE} == {"DQ103", "DQ104", "DQ602"}


def test_case_recheck_gives_the_whole_run_findings_for_that_person():
    tables = _broken()
    set_("reviews", "RV1", decision_date=D(2024, 11, 1))(tables)  # DQ205 and DQ603 on P1's review
    dataset = Dataset.from_tables(tables)
    whole = run_rules(dataset, as_of=AS_OF, extract_date=AS_OF, scope=Scope.CASE)
    for person_id in dataset.person_ids():
        mine = run_case_rules(dataset.for_person(person_id), as_of=AS_OF, extract_date=AS_OF)
        assert mine == [f for f in whole if f.person_id == person_id]
        assert all(f.person_id == person_id for f in mine)


def test_case_recheck_from_plain_rows():
    """The web app passes one person's rows straight in; caseworkers give the team."""
    tables = _broken()
    one = {
        "people": [find(tables, "people", "P2")],
        "requests": [find(tables, "requests", "R2")],
        "caseworkers": tables["caseworkers"],
    }
    findings = run_case_rules(Dataset.from_tables(one), as_of=AS_OF)
    assert [(f.code, f.record_id, f.caseworker_id, f.team) for f in findings] == [("DQ106", "P2", "CW2", "South")]


def test_datetimes_and_loose_values_are_read():
    tables = clean_tables()
    set_("requests", "R2", request_outcome_date=dt.datetime(2024, 10, 30, 9, 0))(tables)
    assert [f.record_id for f in _run(tables, codes=["DQ202"])] == ["R2"]


def test_rule_registration_guards():
    with pytest.raises(ValueError, match="named after its code"):
        rule("DQ998", Severity.ERROR, title="t", reference="r", message="m", table="people", fields=("upn",))(
            lambda ds, ctx: []
        )

    def dq101_again(ds, ctx):
        return []

    register_again = rule(
        "DQ101", Severity.ERROR, title="t", reference="r", message="m", table="people", fields=("upn",)
    )
    with pytest.raises(ValueError, match="registered twice"):
        register_again(dq101_again)


# -- lifecycle ------------------------------------------------------------------------------------


def _stored(finding: Finding, first_seen: dt.date) -> StoredFinding:
    return StoredFinding(finding.code, finding.table, finding.record_id, finding.fields, finding.person_id, first_seen)


def test_lifecycle_after_a_load():
    before = _run(_broken())
    stored = [_stored(f, D(2025, 1, 1)) for f in before]
    tables = _broken()
    set_("people", "P1", postcode="SW1A 1AA")(tables)  # fixed
    set_("requests", "R1", request_source="5")(tables)  # new
    changes = diff_findings(stored, _run(tables), on=AS_OF)
    assert [f.record_id for f in changes.opened] == ["R1"]
    assert [s.record_id for s in changes.resolved] == ["P1"]
    assert len(changes.still_open) == len(before) - 1
    assert all(s.first_seen == D(2025, 1, 1) for s, _ in changes.still_open)


def test_case_recheck_resolves_only_that_case():
    tables = _broken()
    dataset = Dataset.from_tables(tables)
    stored = [_stored(f, D(2025, 1, 1)) for f in run_rules(dataset, as_of=AS_OF)]
    set_("people", "P2", postcode="M1 1AE")(tables)  # fix P2's postcode
    after = run_case_rules(Dataset.from_tables(tables).for_person("P2"), as_of=AS_OF)
    changes = diff_findings(stored, after, on=AS_OF, scope=Scope.CASE, person_id="P2")
    assert [s.record_id for s in changes.resolved] == ["P2"]
    assert changes.opened == ()
    assert changes.still_open == ()


def test_case_recheck_never_resolves_cross_case_findings():
    tables = clean_tables()
    set_("people", "P3", upn="L938200124001")(tables)
    stored = [_stored(f, D(2025, 1, 1)) for f in _run(tables)]
    assert {s.code for s in stored} == {"DQ103"}
    after = run_case_rules(Dataset.from_tables(tables).for_person("P3"), as_of=AS_OF)
    changes = diff_findings(stored, after, on=AS_OF, scope=Scope.CASE, person_id="P3")
    assert changes.resolved == ()
