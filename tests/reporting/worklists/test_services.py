"""Reallocation: one case or many, audited through records.services, refused when it cannot be right."""

from __future__ import annotations

import pytest

from sendtrack.records.models import Caseworker, Finding, Plan, Request
from sendtrack.records.selectors import milestones_at
from sendtrack.reporting.worklists import services
from sendtrack.reporting.worklists.services import CaseRef, ReallocationRefused
from tests.reporting.worklists.conftest import AS_OF, D

pytestmark = pytest.mark.django_db
OPEN = ("overdue", "due_soon", "open")


def duties_of(caseworker_id: str) -> set[tuple[str, str]]:
    rows = milestones_at(as_of=AS_OF, statuses=OPEN).filter(owner_id=caseworker_id)
    return set(rows.values_list("kind", "record_id"))


def nia() -> Caseworker:
    return Caseworker.objects.get(pk="CW4")


def test_a_reallocated_request_moves_every_duty_from_one_list_to_the_other_at_once(council, manager):
    robin_before, nia_before = duties_of("CW1"), duties_of("CW4")
    assert ("decision_to_assess", "R007") in robin_before
    assert not nia_before
    moved = services.case_reallocate(record=Request.objects.get(pk="R007"), caseworker=nia(), by=manager)
    assert moved
    assert duties_of("CW1") == robin_before - {("decision_to_assess", "R007")}
    assert duties_of("CW4") == {("decision_to_assess", "R007")}


def test_a_reallocated_plan_takes_its_review_duties_with_it(council, manager):
    services.case_reallocate(record=Plan.objects.get(pk="PL001"), caseworker=nia(), by=manager)
    assert duties_of("CW4") == {("annual_review", "PL001"), ("amended_plan", "RV001"),
                                ("amended_plan_from_meeting", "RV001")}  # fmt: skip


def test_a_reallocation_is_in_the_records_history_with_who_and_why(council, manager):
    services.case_reallocate(record=Request.objects.get(pk="R007"), caseworker=nia(), by=manager)
    request = Request.objects.get(pk="R007")
    assert (request.caseworker_id, request.version) == ("CW4", 2)
    latest = request.history.order_by("-history_id").first()
    assert latest.history_user == manager
    assert latest.history_change_reason == "Reallocated from Robin Exampleworker to Nia Newworker (team work)"
    assert latest.caseworker_id == "CW4"


def test_giving_a_case_to_the_caseworker_who_holds_it_changes_nothing(council, manager):
    robin = Caseworker.objects.get(pk="CW1")
    assert services.case_reallocate(record=Request.objects.get(pk="R007"), caseworker=robin, by=manager) is False
    assert Request.objects.get(pk="R007").history.count() == 1


def test_nobody_who_has_left_or_is_inactive_can_be_given_work(council, manager):
    request = Request.objects.get(pk="R007")
    with pytest.raises(ReallocationRefused) as inactive:
        services.case_reallocate(record=request, caseworker=Caseworker.objects.get(pk="CW3"), by=manager)
    assert inactive.value.errors == [services.ERR_CASEWORKER_INACTIVE.format(name="Lee Leaver")]
    assert inactive.value.field == "caseworker"
    Caseworker.objects.filter(pk="CW4").update(left_on=D(2026, 1, 10))
    with pytest.raises(ReallocationRefused) as left:
        services.case_reallocate(record=request, caseworker=nia(), by=manager, today=AS_OF)
    assert left.value.errors == [services.ERR_CASEWORKER_LEFT.format(name="Nia Newworker", date="10 January 2026")]
    assert Request.objects.get(pk="R007").caseworker_id == "CW1"


def test_many_cases_move_together(council, manager):
    result = services.cases_reallocate(
        cases=[CaseRef("requests", "R011", 1), CaseRef("plans", "PL010", 1), CaseRef("requests", "R006", 1)],
        caseworker=nia(),
        by=manager,
    )
    assert [c.key for c in result.moved] == ["R011", "PL010", "R006"]
    assert not result.unchanged
    assert set(Request.objects.filter(pk__in=["R011", "R006"]).values_list("caseworker_id", flat=True)) == {"CW4"}
    assert Plan.objects.get(pk="PL010").caseworker_id == "CW4"


def test_a_case_changed_since_the_page_was_opened_stops_the_whole_reallocation(council, manager):
    """All or nothing: the manager saw R006 at version 1; someone has since recorded the decision."""
    from sendtrack.records import casework

    casework.assessment_request_decide(request_id="R006", decision="N", decided_on=D(2026, 1, 14),
                                       expected_version=1, by=None, today=AS_OF)  # fmt: skip
    with pytest.raises(ReallocationRefused) as refused:
        services.cases_reallocate(cases=[CaseRef("requests", "R007", 1), CaseRef("requests", "R006", 1)],
                                  caseworker=nia(), by=manager)  # fmt: skip
    assert refused.value.errors == [services.ERR_CHANGED.format(label="Request R006", child="Finn Newchild")]
    assert Request.objects.get(pk="R007").caseworker_id == "CW1"  # not moved either


def test_a_case_that_no_longer_exists_is_reported_and_nothing_moves(council, manager):
    with pytest.raises(ReallocationRefused) as refused:
        services.cases_reallocate(cases=[CaseRef("requests", "R007"), CaseRef("plans", "GONE")], caseworker=nia(),
                                  by=manager)  # fmt: skip
    assert refused.value.errors == [services.ERR_UNKNOWN_CASE.format(label="EHC plan GONE")]
    assert Request.objects.get(pk="R007").caseworker_id == "CW1"


def test_nothing_selected_or_nobody_chosen_is_refused_with_a_message_for_each(council, manager):
    with pytest.raises(ReallocationRefused) as none:
        services.cases_reallocate(cases=[], caseworker=nia(), by=manager)
    assert none.value.errors == [services.ERR_NO_CASES]
    with pytest.raises(ReallocationRefused) as nobody:
        services.cases_reallocate(cases=[CaseRef("requests", "R007")], caseworker=None, by=manager)
    assert nobody.value.errors == [services.ERR_NO_CASEWORKER]
    assert nobody.value.field == "caseworker"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("requests:R001:3", CaseRef("requests", "R001", 3)),
        ("plans:PL-1", CaseRef("plans", "PL-1", None)),
        ("plans:A:B:2", CaseRef("plans", "A:B", 2)),
    ],
)
def test_case_references_are_read_with_their_version(text, expected):
    assert CaseRef.parse(text) == expected


@pytest.mark.parametrize("text", ["people:P001", "requests:", "R001", ""])
def test_anything_but_a_request_or_plan_is_not_a_case(text):
    with pytest.raises(ReallocationRefused) as refused:
        CaseRef.parse(text)
    assert refused.value.errors == [services.ERR_NOT_A_CASE.format(ref=text)]


def test_giving_an_unheld_request_a_caseworker_resolves_its_missing_caseworker_finding(council, manager):
    """DQ308 (open request with no caseworker) was raised on R011 by the load; the reallocation re-checks the case."""
    assert Finding.objects.filter(code="DQ308", record_id="R011", resolved_on__isnull=True).exists()
    services.case_reallocate(record=Request.objects.get(pk="R011"), caseworker=nia(), by=manager)
    assert not Finding.objects.filter(code="DQ308", record_id="R011", resolved_on__isnull=True).exists()
