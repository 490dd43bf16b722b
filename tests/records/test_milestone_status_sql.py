"""The SQL status (for lists) equals the pure engine's status, row for row, at any as-of date."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendtrack.domain.timescales import milestones_for
from sendtrack.records.models import Milestone, Person
from sendtrack.records.selectors import milestones_at
from tests.domain.timescales.strategies import cases

pytestmark = pytest.mark.django_db


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cases(), st.lists(st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2027, 12, 31)), min_size=1, max_size=4)
)
def test_sql_status_and_existence_equal_the_engine(case, as_of_dates):
    Milestone.objects.all().delete()
    Person.objects.get_or_create(person_id="P1")
    engine = milestones_for(case)
    stored = []
    for m in engine:
        fields = m._asdict()
        fields.update(kind=m.kind.value, start_event=m.start_event.value, request_id=None, plan_id=None)
        stored.append(Milestone(**fields))
    Milestone.objects.bulk_create(stored)
    ids = {(m.kind.value, m.record_id, m.seq, m.start_date): m for m in engine}
    for as_of in as_of_dates:
        expected = {k: m.status_at(as_of).value for k, m in ids.items() if m.exists_at(as_of)}
        got = {(r.kind, r.record_id, r.seq, r.start_date): r.status for r in milestones_at(as_of=as_of)}
        assert got == expected
