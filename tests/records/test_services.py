"""The records write path: validation, audit, optimistic concurrency, and the same result row by row or in bulk."""

import datetime as dt

import pytest
from simple_history.utils import get_history_model_for_model

from sendtrack.records import services
from sendtrack.records.models import Milestone, Person, Request
from sendtrack.records.tables import TABLE_MODELS
from sendtrack.spreadsheets.schema import RECORD_TABLES
from tests.factories.extracts import example_extract, row

pytestmark = pytest.mark.django_db
D = dt.date


def snapshot():
    """Every record (as extract rows), every milestone, and how many history rows each table has."""
    from sendtrack.records.selectors import table_rows

    records = {t.name: table_rows(t.name) for t in RECORD_TABLES}
    milestones = sorted(
        Milestone.objects.values_list(
            "person_id",
            "record_type",
            "record_id",
            "kind",
            "rule",
            "start_date",
            "due_date",
            "done_date",
            "exception",
            "exists_from",
            "exists_until",
            "lapses_on",
            "seq",
            "owner_id",
        )
    )
    history = {}
    for t, tm in TABLE_MODELS.items():
        model = get_history_model_for_model(tm.model)
        skip = {"history_id", "history_date", "history_change_reason", "created_at", "updated_at", "id"}
        columns = [f.attname for f in model._meta.concrete_fields if f.attname not in skip]
        history[t] = sorted(map(repr, model.objects.values_list(*columns)))
    return records, milestones, history


def test_loading_in_bulk_and_row_by_row_gives_the_same_records_history_and_milestones():
    extract = example_extract()
    services.extract_apply(extract=extract, by=None, reason="bulk")
    bulk = snapshot()
    Milestone.objects.all().delete()
    for table in reversed(RECORD_TABLES):
        for tm_model in [TABLE_MODELS[table.name].model]:
            tm_model.objects.all().delete()
    for tm in TABLE_MODELS.values():
        get_history_model_for_model(tm.model).objects.all().delete()
    for table in RECORD_TABLES:
        for r in extract.rows(table.name):
            services.record_save(table=table.name, row=r, by=None, reason="row by row")
    assert snapshot() == bulk


def test_record_save_audits_who_when_and_what_and_rebuilds_the_case():
    services.extract_apply(extract=example_extract(), by=None, reason="load")
    r = dict(row(example_extract(), "requests", request_id="R006"))
    r.update(request_outcome="Y", request_outcome_date=D(2026, 1, 5))
    result = services.record_save(table="requests", row=r, by=None, reason="decision recorded")
    assert result.changed == {"request_outcome": "Y", "request_outcome_date": D(2026, 1, 5)}
    assert result.obj.version == 2
    latest = Request.objects.get(pk="R006").history.first()
    assert latest.history_change_reason == "decision recorded"
    assert Milestone.objects.get(kind="decision_to_assess", record_id="R006").done_date == D(2026, 1, 5)
    assert Milestone.objects.filter(kind="final_plan", record_id="R006").exists()


def test_a_stale_version_is_refused_and_nothing_changes():
    services.extract_apply(extract=example_extract(), by=None, reason="load")
    r = dict(row(example_extract(), "people", person_id="P001"))
    r["surname"] = "Changed"
    with pytest.raises(services.ConcurrentChange, match="changed by someone else"):
        services.record_save(table="people", row=r, by=None, reason="edit", expected_version=7)
    assert Person.objects.get(pk="P001").surname == "Examplechild"


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"received_date": None}, "received_date", services.ERR_BLANK_REQUIRED),
        ({"request_outcome": "Q"}, "request_outcome", "must be one of"),
        ({"person_id": "NOBODY"}, "person_id", "does not exist"),
        ({"received_date": "2024-01-01"}, "received_date", "must be a date"),
    ],
)
def test_record_save_refuses_an_invalid_row_naming_the_column(change, column, reason):
    services.extract_apply(extract=example_extract(), by=None, reason="load")
    r = {**row(example_extract(), "requests", request_id="R001"), **change}
    with pytest.raises(services.RecordInvalid) as raised:
        services.record_save(table="requests", row=r, by=None, reason="edit")
    assert any(col == column and reason in why for col, why in raised.value.errors)


def test_rebuilding_all_milestones_gives_what_the_writes_stored():
    services.extract_apply(extract=example_extract(), by=None, reason="load")
    before = snapshot()[1]
    assert services.milestones_rebuild() == len(before)
    assert snapshot()[1] == before


def test_a_long_change_reason_is_shortened_to_fit_the_history_column():
    reason = "load of " + "a-very-long-folder-name/" * 10
    services.extract_apply(extract=example_extract(), by=None, reason=reason)
    stored = Person.objects.get(pk="P001").history.first().history_change_reason
    assert len(stored) == services.REASON_MAX
    assert stored.endswith("…")


def test_cases_settled_at_end_rebuilds_each_changed_case_once_at_the_end_of_the_block(monkeypatch):
    services.extract_apply(extract=example_extract(), by=None, reason="load")
    rebuilds = []
    real = services.milestones_rebuild
    monkeypatch.setattr(services, "milestones_rebuild", lambda **kw: rebuilds.append(kw["person_ids"]) or real(**kw))
    r = dict(row(example_extract(), "requests", request_id="R006"))
    with services.cases_settled_at_end():
        services.record_save(
            table="requests",
            row={**r, "request_outcome": "Y", "request_outcome_date": D(2026, 1, 5)},
            by=None,
            reason="a",
        )
        services.record_save(
            table="people",
            row={**row(example_extract(), "people", person_id="P006"), "surname": "Renamed"},
            by=None,
            reason="b",
        )
        assert rebuilds == []  # nothing settled yet
        assert not Milestone.objects.filter(kind="final_plan", record_id="R006").exists()
    assert rebuilds == [["P006"]]
    assert Milestone.objects.filter(kind="final_plan", record_id="R006").exists()


def test_a_failure_inside_cases_settled_at_end_writes_nothing():
    services.extract_apply(extract=example_extract(), by=None, reason="load")
    r = dict(row(example_extract(), "requests", request_id="R006"))

    def withdraw_then_fail():
        with services.cases_settled_at_end():
            services.record_save(table="requests", row={**r, "request_outcome": "W"}, by=None, reason="a")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        withdraw_then_fail()
    assert Request.objects.get(pk="R006").request_outcome == "A"
    assert not services.settling_at_end()


def test_a_full_rebuild_keeps_the_milestone_indexes():
    from django.db import connection

    services.extract_apply(extract=example_extract(), by=None, reason="load")
    with connection.cursor() as cursor:
        before = connection.introspection.get_constraints(cursor, Milestone._meta.db_table)
    services.milestones_rebuild()
    with connection.cursor() as cursor:
        after = connection.introspection.get_constraints(cursor, Milestone._meta.db_table)
    assert {n: c["columns"] for n, c in after.items()} == {n: c["columns"] for n, c in before.items()}
    assert sum(1 for c in after.values() if c.get("index")) >= 5


def test_every_stored_milestone_is_owned_by_its_requests_caseworker_else_its_plans():
    """The owner is copied onto each milestone when it is built (`timescales.md`, "Who owns a milestone"); the
    worklists read the copy, so it must equal the join it replaced, after a load and after a full rebuild."""
    from django.db.models import F
    from django.db.models.functions import Coalesce

    from sendtrack.generator import generate_extract

    services.extract_apply(
        extract=generate_extract(people=300, seed=3, as_of=dt.date(2025, 6, 30)), by=None, reason="load"
    )

    def owners() -> list[tuple[int, str | None, str | None]]:
        joined = Coalesce(F("request__caseworker_id"), F("plan__caseworker_id"))
        return list(Milestone.objects.order_by("id").annotate(joined=joined).values_list("id", "owner_id", "joined"))

    from sendtrack.records.selectors import table_rows

    plan = next(r for r in table_rows("plans") if r["caseworker_id"] and Milestone.objects.filter(plan_id=r["plan_id"]))
    services.record_save(table="plans", row={**plan, "caseworker_id": None}, by=None, reason="unallocated")
    request = next(r for r in table_rows("requests") if Milestone.objects.filter(request_id=r["request_id"]))
    other = next(
        c["caseworker_id"] for c in table_rows("caseworkers") if c["caseworker_id"] != request["caseworker_id"]
    )
    services.record_save(table="requests", row={**request, "caseworker_id": other}, by=None, reason="reallocated")
    stored = owners()
    assert {owner for _, owner, _ in stored} - {None}, "the council's duties must have caseworkers"
    assert Milestone.objects.filter(plan_id=plan["plan_id"], owner__isnull=True).exists()
    assert set(Milestone.objects.filter(request_id=request["request_id"]).values_list("owner_id", flat=True)) == {other}
    assert [(i, owner) for i, owner, _ in stored] == [(i, joined) for i, _, joined in stored]
    services.milestones_rebuild()
    assert all(owner == joined for _, owner, joined in owners())


def test_a_request_moved_to_another_child_takes_its_milestones_with_it():
    """A later extract (or a correction) files a request under another child: its duties must not stay listed
    under the first child as well."""
    from sendtrack.records.selectors import table_rows

    services.extract_apply(extract=example_extract(), by=None, reason="load")
    request = next(r for r in table_rows("requests") if Milestone.objects.filter(request_id=r["request_id"]))
    other = next(p["person_id"] for p in table_rows("people") if p["person_id"] != request["person_id"])
    before = Milestone.objects.filter(request_id=request["request_id"]).count()
    extract = example_extract()
    moved = next(r for r in extract.tables["requests"] if r["request_id"] == request["request_id"])
    moved["person_id"] = other
    services.extract_apply(extract=extract, by=None, reason="moved")
    assert set(Milestone.objects.filter(request_id=request["request_id"]).values_list("person_id", flat=True)) == {
        other
    }
    assert Milestone.objects.filter(request_id=request["request_id"]).count() == before
