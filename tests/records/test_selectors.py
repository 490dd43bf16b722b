"""Reading many rows fast: the same values as the ORM gives, typed the same way."""

from __future__ import annotations

import datetime as dt
import gc

import pytest

from sendtrack.records import services
from sendtrack.records.models import Milestone
from sendtrack.records.selectors import collector_paused, fast_rows
from tests.factories.extracts import example_extract

pytestmark = pytest.mark.django_db


def test_fast_rows_give_what_values_list_gives_with_dates_flags_and_blanks_typed():
    services.extract_apply(extract=example_extract(), by=None, reason="load")
    fields = ("id", "kind", "start_date", "done_date", "lapses_on", "exception", "owner_id", "person__surname")
    qs = Milestone.objects.order_by("id")
    fast = fast_rows(qs, fields, dates=(2, 3, 4), flags=(5,))
    assert fast == list(qs.values_list(*fields))
    assert any(row[3] is None for row in fast)
    assert any(isinstance(row[3], dt.date) for row in fast)
    assert {type(row[5]) for row in fast} == {bool}


def test_no_rows_is_an_empty_list():
    assert fast_rows(Milestone.objects.all(), ("id", "due_date"), dates=(1,)) == []


def test_the_collector_runs_again_after_a_paused_block_even_when_the_block_fails():
    seen = []

    def fail() -> None:
        with collector_paused():
            seen.append(gc.isenabled())
            raise RuntimeError

    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        fail()
    assert seen == [False]
    assert gc.isenabled()


def test_a_paused_block_inside_another_leaves_the_collector_off_until_the_outer_one_ends():
    with collector_paused():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
