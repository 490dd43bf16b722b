"""Properties every set of figures keeps, over councils hypothesis makes up.

The strongest one is reproducibility: the figures at a past as-of date, computed from today's data,
equal the figures computed from the data as it stood on that date (every act dated later blanked
out, every record that did not exist yet left out). That is what lets a board pack be re-run for
last March and give last March's numbers.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendtrack.domain.kpis import compute_kpis
from tests.domain.kpis.builders import Council, as_it_stood

START = dt.date(2022, 1, 1)
days = st.integers(min_value=0, max_value=400)
maybe = st.booleans()


def _after(day: dt.date, lag: int) -> dt.date:
    return day + dt.timedelta(days=lag)


@st.composite
def councils(draw: st.DrawFn) -> Council:
    c = Council()
    c.caseworker("CW1", "North", "1.0")
    c.caseworker("CW2", "South", "0.6")
    for _ in range(draw(st.integers(0, 6))):
        received = _after(START, draw(st.integers(0, 1300)))
        outcome = draw(st.sampled_from(["Y", "Y", "N", "A", "W", "H"]))
        decided = _after(received, draw(st.integers(0, 90))) if outcome in ("Y", "N") else None
        withdrawn = _after(received, draw(days)) if outcome == "W" and draw(maybe) else None
        rid = c.request(received, outcome, decided, withdrawn=withdrawn, caseworker="CW1")
        if outcome == "Y" and draw(maybe):
            a_out = draw(st.sampled_from(["Y", "Y", "N", "A", "W"]))
            a_date = _after(decided or received, draw(days)) if a_out in ("Y", "N") else None
            draft = _after(a_date, -draw(st.integers(0, 30))) if a_out == "Y" and a_date and draw(maybe) else None
            aid = c.assessment(rid, a_out, a_date, draft=draft, week20=draw(st.integers(0, 4)) == 0)
            for kind in draw(st.lists(st.sampled_from(["health", "educational_psychology", None]), max_size=2)):
                requested = _after(decided or received, draw(st.integers(0, 20)))
                c.advice(aid, requested, _after(requested, draw(days)) if draw(maybe) else None, kind)
    for _ in range(draw(st.integers(0, 5))):
        start = _after(START, draw(st.integers(0, 1300)))
        transfer_in = _after(start, draw(days)) if draw(st.integers(0, 3)) == 0 else None
        cease = _after(transfer_in or start, draw(st.integers(1, 900))) if draw(maybe) else None
        plan = c.plan(start, transfer_in=transfer_in, cease=cease, cease_reason="1" if cease else None,
                      caseworker=draw(st.sampled_from(["CW1", "CW2", None])))  # fmt: skip
        day = transfer_in or start
        for _ in range(draw(st.integers(0, 3))):
            meeting = _after(day, draw(st.integers(100, 420)))
            decision = _after(meeting, draw(st.integers(0, 60))) if draw(maybe) else None
            outcome = draw(st.sampled_from(["M", "A", "C"])) if decision else None
            notice = decision if outcome == "A" and draw(maybe) else None
            amended = _after(notice, draw(st.integers(0, 120))) if notice and draw(maybe) else None
            c.review(plan, meeting, decision, outcome, notice=notice, amended=amended)
            day = decision or meeting
        if draw(st.integers(0, 3)) == 0:
            transfer = dt.date(draw(st.integers(2023, 2026)), 9, 1)
            final = _after(dt.date(transfer.year, 1, 1), draw(st.integers(0, 120))) if draw(maybe) else None
            c.phase_transfer(plan, transfer, draw(st.sampled_from(["school", "post16"])), final)
    return c


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(councils(), st.integers(0, 1500), st.integers(0, 400), st.integers(0, 200))
def test_a_past_as_of_date_gives_the_figures_of_the_data_as_it_stood_then(c, offset, length, beyond):
    as_of = START + dt.timedelta(days=offset)
    # The period may run past the as-of date: acts after it must still not count.
    period = {"period_from": as_of - dt.timedelta(days=length), "period_to": as_of + dt.timedelta(days=beyond)}
    today = compute_kpis(c.tables, as_of=as_of, **period)
    then = compute_kpis(as_it_stood(c.tables, as_of), as_of=as_of, **period)
    assert today.values == then.values
    assert today.members == then.members


@SETTINGS
@given(councils(), st.integers(0, 1500))
def test_numerators_are_within_denominators_and_percentages_within_0_to_100(c, offset):
    as_of = START + dt.timedelta(days=offset)
    result = compute_kpis(c.tables, as_of=as_of, period_from=START, period_to=as_of)
    for key, members in result.members.items():
        assert members.numerator <= members.denominator, key
    for key, value in result.flat().items():
        if key.endswith("_pc") and value is not None:
            assert 0 <= value <= 100, key


@SETTINGS
@given(councils(), st.integers(0, 1500), st.integers(1, 300))
def test_flow_counts_over_two_adjoining_periods_add_up(c, offset, split):
    first = START + dt.timedelta(days=offset)
    middle, last = first + dt.timedelta(days=split), first + dt.timedelta(days=2 * split)
    as_of = last + dt.timedelta(days=30)

    def counts(a: dt.date, b: dt.date) -> dict[str, object]:
        return compute_kpis(c.tables, as_of=as_of, period_from=a, period_to=b).values

    whole, one, two = counts(first, last), counts(first, middle), counts(middle + dt.timedelta(days=1), last)
    for key in ("requests_received", "requests_decided", "plans_issued", "advice_returned", "reviews_due",
                "review_decisions", "amended_plans", "phase_transfers_due", "plans_ceased"):  # fmt: skip
        assert whole[key] == one[key] + two[key], key
