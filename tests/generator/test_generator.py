"""A generated council is deterministic, streams in the same bytes, and is a clean, loadable extract."""

from __future__ import annotations

import datetime as dt
import filecmp
from collections import Counter
from pathlib import Path

import pytest

from sendtrack.domain.dates import add_months_rolling, age_on
from sendtrack.domain.quality import Dataset, Severity, run_rules
from sendtrack.domain.quality import is_valid_postcode as engine_postcode_ok
from sendtrack.domain.quality import is_valid_upn as engine_upn_ok
from sendtrack.generator import generate_extract, generate_to_path
from sendtrack.generator.dates import end_of_academic_year_of_25th_birthday
from sendtrack.generator.identifiers import is_valid_uln, is_valid_upn
from sendtrack.spreadsheets.reader import read_extract
from sendtrack.spreadsheets.schema import RECORD_TABLES, TABLES, TABLES_BY_NAME, Kind
from sendtrack.spreadsheets.writer import write_extract
from tests.generator import dq_oracle
from tests.generator.councils import AS_OF, council

PEOPLE = 1500


def _same_folders(a: Path, b: Path) -> list[str]:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    return [n for n in names if not filecmp.cmp(a / n, b / n, shallow=False)]


def test_same_seed_gives_byte_identical_output(tmp_path: Path) -> None:
    for name in ("one", "two"):
        generate_to_path(tmp_path / name, people=PEOPLE, seed=4, as_of=AS_OF)
    assert _same_folders(tmp_path / "one", tmp_path / "two") == []


def test_a_different_seed_gives_a_different_council(tmp_path: Path) -> None:
    generate_to_path(tmp_path / "one", people=PEOPLE, seed=4, as_of=AS_OF)
    generate_to_path(tmp_path / "two", people=PEOPLE, seed=5, as_of=AS_OF)
    assert "people.csv" in _same_folders(tmp_path / "one", tmp_path / "two")


def test_streaming_writes_the_same_bytes_as_the_in_memory_path(tmp_path: Path) -> None:
    generate_to_path(tmp_path / "streamed", people=PEOPLE, seed=4, as_of=AS_OF, profile="struggling")
    extract = generate_extract(people=PEOPLE, seed=4, as_of=AS_OF, profile="struggling")
    write_extract(extract, tmp_path / "in-memory")
    assert _same_folders(tmp_path / "streamed", tmp_path / "in-memory") == []


def test_a_streamed_workbook_reads_back_as_the_in_memory_extract(tmp_path: Path) -> None:
    generate_to_path(tmp_path / "streamed.xlsx", people=300, seed=4, as_of=AS_OF)
    extract = generate_extract(people=300, seed=4, as_of=AS_OF)
    result = read_extract(tmp_path / "streamed.xlsx")
    assert result.ok, result.errors[:3]
    for table in RECORD_TABLES:
        assert result.extract.tables[table.name] == extract.tables[table.name], table.name


def test_every_row_has_every_column_with_the_schema_type() -> None:
    extract = council()
    types = {Kind.DATE: dt.date, Kind.FLAG: bool, Kind.TEXT: str, Kind.CODE: str}
    for table in RECORD_TABLES:
        rows = extract.tables[table.name]
        assert rows, f"{table.name} is empty"
        for row in rows:
            assert set(row) == set(table.column_names), table.name
            for column in table.columns:
                value = row[column.name]
                if value is None:
                    assert not column.required, (table.name, column.name)
                    continue
                if column.kind in types:
                    assert isinstance(value, types[column.kind]), (table.name, column.name, value)
                if column.codes:
                    assert value in column.codes, (table.name, column.name, value)


def test_keys_are_unique_and_every_reference_resolves() -> None:
    extract = council()
    keys: dict[str, set[tuple[object, ...]]] = {}
    for table in RECORD_TABLES:
        found = [table.row_key(r) for r in extract.tables[table.name]]
        assert len(found) == len(set(found)), f"duplicate key in {table.name}"
        keys[table.name] = set(found)
    for table in RECORD_TABLES:
        for column in table.refs:
            for row in extract.tables[table.name]:
                value = row[column.name]
                if value is not None:
                    assert (value,) in keys[str(column.ref)], (table.name, column.name, value)


def test_it_loads_with_the_product_reader_without_a_refusal(tmp_path: Path) -> None:
    generate_to_path(tmp_path / "x", people=PEOPLE, seed=4, as_of=AS_OF)
    result = read_extract(tmp_path / "x")
    assert result.ok
    assert not result.unresolved
    assert not result.notices


@pytest.mark.parametrize("as_of", [AS_OF, dt.date(2019, 6, 30), dt.date(2015, 3, 2)])
def test_nothing_happens_after_the_as_of_date_but_planned_transfers(as_of: dt.date) -> None:
    extract = council(PEOPLE, 4, as_of)
    assert extract.meta.extract_date == as_of
    for table in TABLES:
        if table.name == "extract":
            continue
        for column in table.columns:
            if column.kind is not Kind.DATE or (table.name, column.name) == ("phase_transfers", "transfer_date"):
                continue
            latest = max((r[column.name] for r in extract.tables[table.name] if r[column.name]), default=None)
            assert latest is None or latest <= as_of, (table.name, column.name, latest)
    planned = [r["transfer_date"] for r in extract.tables["phase_transfers"]]
    assert all(d.month == 9 and d.day == 1 for d in planned)  # type: ignore[union-attr]
    assert all(add_months_rolling(d, -12) <= as_of for d in planned)  # type: ignore[arg-type]


def test_identifiers_are_valid_and_fictional() -> None:
    people = council().tables["people"]
    upns = [p["upn"] for p in people if p["upn"]]
    assert len(upns) == len(set(upns))
    assert all(is_valid_upn(u) and engine_upn_ok(u) for u in upns)  # type: ignore[arg-type]
    own_la = [u for u in upns if u[1:4] == "303"]  # type: ignore[index]
    assert len(own_la) > 0.8 * len(upns)
    ulns = [p["uln"] for p in people if p["uln"]]
    assert ulns
    assert all(is_valid_uln(u) for u in ulns)
    assert all(engine_postcode_ok(p["postcode"]) and p["postcode"].startswith("SF") for p in people)  # type: ignore[union-attr, arg-type]
    unknown = Counter(p["upn_unknown"] for p in people if p["upn_unknown"])
    assert unknown["UN1"] > 0  # under-fives not yet at school
    assert all(p["upn"] or p["uln"] or p["upn_unknown"] for p in people)
    assert all(p["surname"] and p["forename"] for p in people)


def test_people_are_0_to_25_except_those_just_ceased_at_25() -> None:
    extract = council()
    plans_of: dict[object, list[dict[str, object]]] = {}
    for plan in extract.tables["plans"]:
        plans_of.setdefault(plan["person_id"], []).append(plan)
    older = 0
    for person in extract.tables["people"]:
        age = age_on(person["birth_date"], AS_OF)  # type: ignore[arg-type]
        assert 0 <= age <= 27
        if age > 25:
            older += 1
            recent = [p for p in plans_of.get(person["person_id"], []) if p["cease_date"]]
            assert recent
            assert max(p["cease_date"] for p in recent) >= AS_OF - dt.timedelta(days=730)
    assert older < 0.02 * len(extract.tables["people"])


def test_plans_are_mostly_for_school_age_and_end_by_the_25th_birthday_year() -> None:
    extract = council()
    births = {p["person_id"]: p["birth_date"] for p in extract.tables["people"]}
    active = [p for p in extract.tables["plans"] if p["cease_date"] is None]
    ages = Counter(age_on(births[p["person_id"]], AS_OF) for p in active)  # type: ignore[arg-type]
    school_age = sum(n for a, n in ages.items() if 5 <= a <= 16)
    assert school_age > 0.6 * len(active)
    for plan in active:
        assert end_of_academic_year_of_25th_birthday(births[plan["person_id"]]) >= AS_OF  # type: ignore[arg-type]
    requests = Counter(age_on(births[r["person_id"]], r["received_date"]) for r in extract.tables["requests"])  # type: ignore[arg-type]
    assert sum(n for a, n in requests.items() if 2 <= a <= 11) > 0.6 * sum(requests.values())


@pytest.mark.parametrize("profile", ["typical", "struggling"])
def test_a_clean_council_raises_no_error_finding(profile: str) -> None:
    extract = council(3000, 11, AS_OF, profile)
    findings = dq_oracle.run(extract)
    assert dq_oracle.errors(findings) == []
    warnings = [f for f in findings if f.severity == "warning"]
    assert len(warnings) < 0.01 * len(extract.tables["people"])
    engine = run_rules(Dataset.from_tables(extract.tables), as_of=AS_OF, extract_date=AS_OF)
    assert [f for f in engine if f.severity is Severity.ERROR] == []


@pytest.mark.parametrize("as_of", [dt.date(2019, 6, 30), dt.date(2015, 3, 2)])
def test_a_clean_council_at_other_dates_raises_no_error_finding(as_of: dt.date) -> None:
    extract = council(PEOPLE, 4, as_of)
    assert dq_oracle.errors(dq_oracle.run(extract)) == []


def test_caseworkers_sit_in_teams_with_part_timers_and_leavers() -> None:
    extract = council()
    workers = {w["caseworker_id"]: w for w in extract.tables["caseworkers"]}
    teams = {w["team"] for w in workers.values()}
    assert 3 <= len(teams) <= 6
    assert any(w["fte"] < 1 for w in workers.values())  # type: ignore[operator]
    leavers = {k for k, w in workers.items() if not w["active"]}
    assert leavers
    active_plans = [p for p in extract.tables["plans"] if p["cease_date"] is None]
    assert not [p for p in active_plans if p["caseworker_id"] in leavers]
    open_requests = [r for r in extract.tables["requests"] if r["request_outcome"] == "A"]
    assert open_requests
    assert all(r["caseworker_id"] not in leavers for r in open_requests)
    assert any(p["caseworker_id"] in leavers for p in extract.tables["plans"])  # closed cases keep them


def test_each_plan_has_a_named_and_an_attended_main_placement() -> None:
    extract = council()
    by_plan: dict[object, list[dict[str, object]]] = {}
    for placement in extract.tables["placements"]:
        assert sum(bool(placement[c]) for c in ("urn", "ukprn", "sen_setting")) == 1
        by_plan.setdefault(placement["plan_id"], []).append(placement)
    for plan in extract.tables["plans"]:
        rows = by_plan[plan["plan_id"]]
        assert sum(1 for r in rows if r["kind"] == "named" and r["placement_rank"] == "1") == 1
        current = [
            r for r in rows if r["kind"] == "attended" and r["placement_rank"] == "1" and r["leaving_date"] is None
        ]
        if plan["cease_date"] is None:
            assert len(current) == 1


def test_phase_transfers_fall_at_the_right_ages() -> None:
    extract = council()
    births = {p["person_id"]: p["birth_date"] for p in extract.tables["people"]}
    person_of = {p["plan_id"]: p["person_id"] for p in extract.tables["plans"]}
    kinds: Counter[tuple[str, int]] = Counter()
    for transfer in extract.tables["phase_transfers"]:
        birth = births[person_of[transfer["plan_id"]]]
        age = age_on(birth, dt.date(transfer["transfer_date"].year, 8, 31))  # type: ignore[arg-type, union-attr]
        kinds[(str(transfer["transfer_kind"]), age)] += 1
    assert set(kinds) <= {("school", 4), ("school", 11), ("post16", 16)}
    assert kinds[("school", 11)]
    assert kinds[("post16", 16)]
    assert kinds[("school", 4)]


def test_plans_transfer_in_and_out() -> None:
    extract = council()
    plans = extract.tables["plans"]
    transferred_in = [p for p in plans if p["transfer_la"]]
    assert transferred_in
    for plan in transferred_in:
        assert plan["assessment_id"] is None
        assert plan["transfer_in_date"] > plan["start_date"]
        assert plan["transfer_la"] != extract.meta.la_code
    assert any(p["cease_reason"] == "5" for p in plans)


def test_school_closure_exceptions_follow_the_summer_closure() -> None:
    extract = council(6000, 11, AS_OF, "typical")
    advice_of: dict[object, list[dt.date]] = {}
    for advice in extract.tables["advice"]:
        advice_of.setdefault(advice["assessment_id"], []).append(advice["requested_date"])  # type: ignore[arg-type]
    closure = [a for a in extract.tables["assessments"] if a["exception_reason"] == "school_closure"]
    assert closure
    months = Counter(min(advice_of[a["assessment_id"]]).month for a in closure)
    assert sum(months[m] for m in (6, 7, 8)) == len(closure)


def test_drafts_come_at_least_15_days_before_the_final_plan_but_for_a_few() -> None:
    issued = [a for a in council(6000, 11, AS_OF, "typical").tables["assessments"] if a["assessment_outcome"] == "Y"]
    gaps = [(a["assessment_outcome_date"] - a["draft_plan_date"]).days for a in issued if a["draft_plan_date"]]  # type: ignore[operator]
    assert all(gap >= 0 for gap in gaps)
    breaches = sum(1 for gap in gaps if gap < 15)
    assert 0 < breaches < 0.03 * len(gaps)


def test_request_volumes_follow_seasons_and_grow() -> None:
    extract = council(6000, 11, AS_OF, "typical")
    by_month = Counter(r["received_date"].month for r in extract.tables["requests"])  # type: ignore[union-attr]
    assert by_month[8] < 0.7 * min(by_month[m] for m in (3, 6, 10, 11))
    by_year = Counter(r["received_date"].year for r in extract.tables["requests"])  # type: ignore[union-attr]
    assert by_year[2024] > by_year[2020] > by_year[2016]
    weekends = sum(1 for r in extract.tables["requests"] if r["received_date"].weekday() >= 5)  # type: ignore[union-attr]
    assert weekends == 0


def test_schema_tables_are_all_generated() -> None:
    assert {t.name for t in RECORD_TABLES} == set(council().tables)
    assert TABLES_BY_NAME["extract"].single_row
