"""Invariants of the engine, over generated cases (hypothesis)."""

import datetime as dt
from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from sendtrack.domain.timescales import MilestoneKind, Status, milestones_for
from tests.domain.timescales.strategies import cases, cut_off

as_of_dates = st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2027, 12, 31))


@given(cases())
def test_due_is_never_before_start_and_nothing_exists_before_it_starts(person):
    for m in milestones_for(person):
        assert m.due_date >= m.start_date, m
        assert m.exists_from >= m.start_date, m
        if m.exists_until is not None:
            assert m.exists_until > m.exists_from, m


@given(cases())
def test_every_milestone_hangs_from_its_request_or_its_plan_never_both(person):
    """Whose duty it is follows from that one record's caseworker (the worklists rely on it)."""
    for m in milestones_for(person):
        assert (m.request_id is None) != (m.plan_id is None), m


@given(cases(), as_of_dates)
def test_status_is_a_function_of_the_stored_row_and_the_as_of_date(person, as_of):
    for m in milestones_for(person):
        stored = m._asdict()  # what the database keeps
        rebuilt = type(m)(**stored)
        assert rebuilt.status_at(as_of) == m.status_at(as_of)
        assert (m.status_at(as_of) is None) == (not m.exists_at(as_of))


@given(cases())
def test_a_milestone_done_on_its_due_date_is_on_time(person):
    for m in milestones_for(person):
        if m.kind is MilestoneKind.DRAFT_PLAN_WINDOW:
            continue  # done on its due date is on time too, but it is the earliest day, not the latest
        on_due = m._replace(done_date=m.due_date, lapses_on=None)
        if on_due.exists_at(m.due_date):
            assert on_due.status_at(m.due_date) is Status.DONE_ON_TIME


@given(cases(), as_of_dates, st.integers(min_value=1, max_value=800))
def test_moving_as_of_forward_never_turns_a_done_milestone_undone(person, as_of, later_by):
    later = as_of + dt.timedelta(days=later_by)
    for m in milestones_for(person):
        before = m.status_at(as_of)
        after = m.status_at(later)
        if before is not None and before.is_done and after is not None:
            assert after == before


@given(cases(), as_of_dates)
@settings(max_examples=300)
def test_milestones_at_a_past_date_equal_those_from_an_extract_cut_off_at_that_date(person, as_of):
    def view(ms):
        return Counter(
            (
                m.kind,
                m.record_type,
                m.record_id,
                m.rule,
                m.start_date,
                m.due_date,
                m.done_at(as_of),
                m.exception,
                m.status_at(as_of),
            )
            for m in ms
            if m.exists_at(as_of)
        )

    assert view(milestones_for(person)) == view(milestones_for(cut_off(person, as_of)))
