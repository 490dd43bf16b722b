"""What the lists hold: each caseworker's and team's duties in the order they must be dealt with, the step that
completes each, the caseload table, the unallocated cases and the review planner, at any as-of date."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import reverse

from sendtrack.records.models import Caseworker, PhaseTransfer, Team
from sendtrack.reporting.worklists import selectors
from sendtrack.reporting.worklists.selectors import Scope
from tests.reporting.worklists.conftest import AS_OF, D

pytestmark = pytest.mark.django_db


def items(scope: Scope, as_of: dt.date = AS_OF, **filters) -> list[selectors.WorkItem]:
    duties = selectors.Duties(as_of=as_of, scope=scope, **filters)
    return selectors.work_items(duties.rows(duties.lines), as_of=as_of)


def lines(scope: Scope, as_of: dt.date = AS_OF, **filters) -> list[tuple[str, str, str]]:
    return [(i.kind, i.record_id, i.status) for i in items(scope, as_of, **filters)]


def robin() -> Scope:
    return Scope(caseworker=Caseworker.objects.get(pk="CW1"))


def north() -> Scope:
    return Scope(team=Team.objects.get(name="North team"))


def test_a_caseworkers_list_is_overdue_first_then_due_soon_then_the_rest_each_by_due_date(council):
    assert lines(robin()) == [
        ("decision_to_assess", "R006", "overdue"),  # due Mon 12 Jan 2026
        ("decision_to_assess", "R007", "due_soon"),  # due Wed 21 Jan 2026
        ("amended_plan", "RV001", "open"),  # Mon 2 Feb 2026
        ("amended_plan_from_meeting", "RV001", "open"),  # Mon 2 Feb 2026
        ("phase_transfer", "PL004", "open"),  # Sat 14 Feb 2026
        ("final_plan", "A008", "open"),  # Wed 18 Feb 2026
        ("annual_review", "PL004", "open"),  # Thu 19 Mar 2026
        ("annual_review", "PL001", "open"),  # Mon 7 Dec 2026
    ]


def test_each_line_says_how_late_or_how_long_is_left_and_the_duty_in_words(council):
    first, second = items(robin())[:2]
    assert (first.days, first.days_words, first.title) == (-3, "3 days overdue", "Decide whether to assess")
    assert (second.days, second.days_words) == (6, "6 days left")
    assert first.child == "Finn Newchild"
    assert first.owner_name == "Robin Exampleworker"
    assert first.case == ("requests", "R006")
    assert items(robin())[-1].case == ("plans", "PL001")


def test_counts_say_what_is_overdue_due_soon_and_due_this_week(council):
    counts = selectors.Duties(as_of=AS_OF, scope=robin()).counts()
    assert (counts.overdue, counts.due_soon, counts.open, counts.total) == (1, 1, 6, 8)
    assert counts.this_week == 1  # R007, due Wed 21 Jan: the last day of the 7 from Thu 15 Jan


def test_a_team_holds_its_members_work_including_a_leavers_and_not_another_teams(council):
    team = lines(north())
    assert ("annual_review", "PL010", "open") in team  # held by Lee Leaver, who is inactive
    assert set(lines(robin())) < set(team)
    assert not {r for _, r, _ in team} & {"R009", "PL003", "PL005", "PL012", "RV013"}  # South team's
    assert "R011" not in {r for _, r, _ in team}  # nobody holds it: it is on the unallocated list instead
    assert len(lines(Scope())) == len(team) + len(lines(Scope(team=Team.objects.get(name="South team")))) + 1


def test_filters_by_kind_and_status_keep_only_those_lines(council):
    assert lines(north(), statuses=["overdue"]) == [("decision_to_assess", "R006", "overdue")]
    assert {k for k, _, _ in lines(north(), kinds=["annual_review"])} == {"annual_review"}
    assert lines(north(), statuses=["done_on_time"]) == lines(north())  # a done status is never a worklist line


def test_a_past_date_shows_the_list_as_it_stood_then(council):
    """Request R001 was received on 2 Sep 2024 and decided on 1 Oct 2024: on 30 Sep 2024 the decision was due
    soon, and after 1 Oct it is no longer on the list."""
    before = lines(robin(), as_of=D(2024, 9, 30))
    assert ("decision_to_assess", "R001", "due_soon") in before
    assert "R006" not in {r for _, r, _ in before}  # not received until 1 Dec 2025
    after = lines(robin(), as_of=D(2024, 10, 2))
    assert "R001" not in {r for k, r, _ in after if k == "decision_to_assess"}
    assert ("final_plan", "A001", "open") in after


def test_each_duty_links_to_the_step_that_completes_it(council):
    def link(scope, kind, record):
        return next(i for i in items(scope) if i.kind == kind and i.record_id == record)

    south = Scope(team=Team.objects.get(name="South team"))
    transfer = PhaseTransfer.objects.get(plan_id="PL004")
    expected = [
        (robin(), "decision_to_assess", "R006", ("requests", "R006", "request-decide")),
        (robin(), "final_plan", "A008", ("assessments", "A008", "draft-serve")),  # no draft yet: that comes first
        (robin(), "amended_plan_from_meeting", "RV001", ("reviews", "RV001", "amended-plan-issue")),  # notice sent
        (robin(), "phase_transfer", "PL004", ("phase_transfers", str(transfer.pk), "phase-transfer-plan")),
        (robin(), "annual_review", "PL001", ("plans", "PL001", "review-meeting")),
        (south, "annual_review", "PL003", ("reviews", "RV013", "review-decision")),  # meeting held 5 Jan
        (south, "review_decision", "RV013", ("reviews", "RV013", "review-decision")),
        (south, "interim_review", "PL012", ("plans", "PL012", "review-meeting")),
    ]
    for scope, kind, record, (table, key, step) in expected:
        item = link(scope, kind, record)
        assert item.step_url == reverse("records:step", kwargs={"table": table, "key": key, "step": step}), kind


def test_the_final_plan_step_follows_the_draft_once_it_is_served(council):
    from sendtrack.records import casework

    casework.draft_plan_serve(assessment_id="A008", issue_decided_on=D(2026, 1, 12), served_on=D(2026, 1, 12),
                              expected_version=None, by=None, today=AS_OF)  # fmt: skip
    item = next(i for i in items(robin()) if i.kind == "final_plan")
    assert item.step_url.endswith("/assessments/A008/plan-issue/")
    assert item.step_title == "Record the final EHC plan issued"


def test_the_caseload_table_counts_each_caseworkers_work_against_the_target(council):
    caseload = selectors.caseload(as_of=AS_OF, scope=north(), target=200)
    rows = {r.caseworker.pk: r for r in caseload.rows}
    assert set(rows) == {"CW1", "CW4"}
    cw1 = rows["CW1"]
    assert (cw1.active_plans, cw1.open_requests, cw1.open_assessments, cw1.reviews_due, cw1.overdue) == (2, 2, 1, 0, 1)
    assert cw1.per_fte == Decimal("2.0")
    assert not cw1.over_target
    assert rows["CW4"].per_fte == Decimal("0.0")
    leaver = caseload.unavailable[0]
    assert leaver.caseworker.pk == "CW3"
    assert (leaver.active_plans, leaver.reviews_due) == (1, 1)
    total = caseload.total
    assert (total.active_plans, total.fte, total.reviews_due, total.overdue) == (3, Decimal("1.50"), 1, 1)
    assert total.per_fte == Decimal("1.3")  # kpis.md: plans held by caseworkers who can hold work (2) / 1.5 FTE


def test_a_caseworker_over_the_target_is_flagged(council):
    caseload = selectors.caseload(as_of=AS_OF, scope=north(), target=1)
    cw1 = next(r for r in caseload.rows if r.caseworker.pk == "CW1")
    assert cw1.over_target
    assert cw1.pc_of_target == 200


def test_unallocated_cases_are_those_whose_caseworker_cannot_hold_work(council):
    cases = selectors.unallocated_cases(as_of=AS_OF, scope=north())
    assert [(c.ref, c.worst, c.why) for c in cases] == [
        ("requests:R011", "overdue", "No caseworker recorded"),
        ("plans:PL010", "open", "Lee Leaver is not active"),
    ]
    south = selectors.unallocated_cases(as_of=AS_OF, scope=Scope(team=Team.objects.get(name="South team")))
    assert [c.ref for c in south] == ["requests:R011"]  # nobody's team: every team sees it


def test_a_caseworker_who_leaves_leaves_their_work_unallocated_from_that_day(council):
    Caseworker.objects.filter(pk="CW1").update(left_on=D(2026, 1, 10))
    refs = {c.ref for c in selectors.unallocated_cases(as_of=AS_OF, scope=north())}
    assert {"requests:R006", "requests:R007", "plans:PL001", "plans:PL004", "requests:R008"} <= refs
    earlier = {c.ref for c in selectors.unallocated_cases(as_of=D(2026, 1, 9), scope=north())}
    assert "requests:R006" not in earlier


def planner_reviews(scope: Scope, as_of: dt.date = AS_OF, weeks: int = 12, **kwargs):
    plan = selectors.planner(as_of=as_of, weeks=weeks, scope=scope, **kwargs)
    return plan, plan.review_items(plan.reviews)


def test_the_planner_lists_reviews_due_in_the_window_with_the_latest_meeting_and_invitation_dates(council):
    plan, reviews = planner_reviews(Scope())
    assert [(r.plan_id, r.due_date, r.meeting_by, r.invite_by) for r in reviews] == [
        ("PL005", D(2026, 2, 19), D(2026, 1, 22), D(2026, 1, 8)),
        ("PL010", D(2026, 2, 28), D(2026, 1, 31), D(2026, 1, 17)),
        ("PL004", D(2026, 3, 19), D(2026, 2, 19), D(2026, 2, 5)),
    ]
    assert plan.until == D(2026, 4, 9)
    assert reviews[0].next_step == "Invitations are late: send them now for a meeting by Thu 22 Jan 2026"
    assert reviews[1].next_step == "Send invitations this week (by Sat 17 Jan 2026)"
    assert reviews[2].transfer_due == D(2026, 2, 14)  # the review before a phase transfer settles it too
    assert reviews[1].owner_name == "Unallocated (Lee Leaver has left or is inactive)"
    counts = plan.counts
    assert (counts.reviews, counts.invite_this_week, counts.late_invites, counts.overdue) == (3, 1, 1, 0)
    assert (counts.transfers, counts.transfers_due_in_window, counts.interim) == (1, 1, 1)


def test_a_review_whose_meeting_was_held_asks_for_the_decision_and_is_not_counted_as_late(council):
    """PL003's review meeting was held on 5 Jan 2026; on 10 Apr its review (due 19 May) is within 6 weeks."""
    plan, reviews = planner_reviews(Scope(team=Team.objects.get(name="South team")), as_of=D(2026, 4, 10), weeks=6)
    pl003 = next(r for r in reviews if r.plan_id == "PL003")
    assert pl003.meeting_held == D(2026, 1, 5)
    assert pl003.next_step == "Meeting held Mon 5 Jan 2026: send the decision by Mon 2 Feb 2026"
    assert plan.counts.late_invites == 0


def test_overdue_reviews_are_listed_only_when_asked(council):
    _plan, default = planner_reviews(robin(), as_of=D(2026, 3, 25), weeks=4)
    assert "PL004" not in {r.plan_id for r in default}  # due 19 Mar: overdue by 25 Mar
    plan, asked = planner_reviews(robin(), as_of=D(2026, 3, 25), weeks=4, include_overdue=True)
    assert [(r.plan_id, r.status) for r in asked] == [("PL004", "overdue")]
    assert plan.counts.overdue == 1
    assert plan.counts.reviews == 1


def test_the_planner_lists_phase_transfers_and_under_5s_interim_reviews(council):
    plan = selectors.planner(as_of=AS_OF, weeks=12, scope=Scope())
    transfers = plan.transfer_items(plan.transfers)
    assert [(t.plan_id, t.due_date, t.transfer_date, t.move, t.review_due) for t in transfers] == [
        ("PL004", D(2026, 2, 14), D(2026, 9, 1), "Between school phases", D(2026, 3, 19))
    ]
    interim = plan.interim_items(plan.interim)
    assert [(r.plan_id, r.due_date, r.age, r.interim) for r in interim] == [("PL012", D(2026, 2, 28), 3, True)]


def test_case_summaries_give_the_current_holder_version_and_open_duties(council):
    cases = selectors.case_summaries(refs=[("plans", "PL010"), ("requests", "R006"), ("requests", "NOPE")],
                                     as_of=AS_OF)  # fmt: skip
    assert [(c.ref, c.held_by, c.duties, c.overdue) for c in cases] == [
        ("plans:PL010:1", "Unallocated (Lee Leaver has left or is inactive), North team", 1, 0),
        ("requests:R006:1", "Robin Exampleworker, North team", 1, 1),
    ]


@pytest.mark.parametrize("days", [-400, -120, -30, 0, 30, 400])
def test_the_duties_still_to_do_are_exactly_the_milestones_whose_status_is_still_to_do(council, days):
    """The worklist filters on the stored dates (cheap) instead of the computed status: the two must agree."""
    from sendtrack.records.selectors import milestones_at

    as_of = AS_OF + dt.timedelta(days=days)
    by_status = set(milestones_at(as_of=as_of, statuses=selectors.OPEN_STATUSES).values_list("id", flat=True))
    listed = set(selectors.open_duties(as_of=as_of, scope=Scope()).values_list("id", flat=True))
    existing = set(milestones_at(as_of=as_of).values_list("id", flat=True))
    assert listed == by_status
    if days >= 0:
        assert by_status, "the council must hold duties still to do"
        assert existing - by_status, "the council must hold duties done or fallen away"


@pytest.mark.parametrize("caseworker", ["CW1", "CW2", "CW3"])
def test_a_caseworkers_duties_are_the_undone_duties_of_the_requests_and_plans_they_hold(council, caseworker):
    """My work reads the owner stored on each milestone; it must give exactly the duties of the caseworker's own
    requests (request-side duties) and plans (plan-side ones), found here through the records instead."""
    scope = Scope(caseworker=Caseworker.objects.get(pk=caseworker))
    lines = selectors.duty_lines(as_of=AS_OF, scope=scope)
    theirs = selectors.open_duties(as_of=AS_OF, scope=Scope()).filter(
        Q(request__caseworker_id=caseworker) | Q(plan__caseworker_id=caseworker)
    )
    assert lines, "the caseworker must have duties to do"
    assert sorted(line.id for line in lines) == sorted(theirs.values_list("id", flat=True))
    assert {line.owner_id for line in lines} == {caseworker}


def test_a_teams_duties_are_those_of_its_members(council):
    scope = Scope(team=Caseworker.objects.get(pk="CW1").team)
    members = set(Caseworker.objects.filter(team=scope.team).values_list("pk", flat=True))
    lines = selectors.duty_lines(as_of=AS_OF, scope=scope)
    everyone = selectors.duty_lines(as_of=AS_OF, scope=Scope())
    assert lines
    assert sorted(lines) == sorted(line for line in everyone if line.owner_id in members)
