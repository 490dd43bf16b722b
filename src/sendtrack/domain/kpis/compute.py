"""The indicators of `kpis.md`, computed from extract-shaped rows and the engine's milestones.

How it is built, and why:

- **Flows** (requests received, plans issued, reviews due...) are first turned into dated events,
  one per record and act, knowing only the as-of date (`flows_at`): an act dated after the as-of
  date does not exist yet. A period's figures are then the events whose date falls in the period
  (`aggregate`), and a monthly trend is the same events bucketed by month, so a month on the
  dashboard's trend line is by construction the figure `compute_kpis` gives for that month.
- **Stock** (open requests, open assessments, overdue duties) is a set of intervals of as-of dates
  during which each record is open (`stock_intervals`): a record is counted at an as-of date when
  the date falls inside its interval. The backlog line of the dashboard evaluates the same
  intervals at every month end, in one pass.
- Duties are read from milestones (statuses at the as-of date come from `Milestone.status_at`), so a
  KPI and a worklist line that speak of the same duty cannot disagree. Acts that need no clock
  (requests received, plans ceased) are read from the records.

Nothing here knows about Django or files: rows are mappings keyed by the extract's column names
(what the reader returns and what `records.selectors.case_rows` returns), values typed or ISO text.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from sendtrack.domain.dates import add_months_rolling
from sendtrack.domain.kpis.definitions import (
    ADVICE_TYPES,
    CEASE_REASONS,
    KPI_KEYS,
    NOT_RECORDED,
    OPEN_BY_WEEKS_BUCKETS,
    REVIEW_OUTCOMES,
)
from sendtrack.domain.kpis.types import (
    ID_SEPARATOR,
    KpiMembers,
    KpiResult,
    mean_weeks,
    median_weeks,
    round_half_away,
    share,
)
from sendtrack.domain.timescales import (
    Milestone,
    MilestoneKind,
    Status,
    cases_from_tables,
    milestones_for_all,
)

Row = Mapping[str, object]
Tables = Mapping[str, Sequence[Row]]

ERR_PERIOD = "the period starts ({start}) after it ends ({end})"

SIX_WEEKS = 42
FOUR_WEEKS = 28
EIGHT_WEEKS = 56
TWELVE_WEEKS = 84
SIXTEEN_WEEKS = 112
TWENTY_WEEKS = 140
FIFTY_TWO_WEEKS = 364

REVIEW_KINDS = frozenset({MilestoneKind.ANNUAL_REVIEW, MilestoneKind.TRANSFER_IN_REVIEW})
DATELESS_OUTCOMES = frozenset({"W", "H", "S"})


# --- reading rows ----------------------------------------------------------------------------------


def _date(row: Row, column: str) -> dt.date | None:
    value = row.get(column)
    if type(value) is dt.date:  # the common case first: typed rows from the reader or the database
        return value
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise TypeError(f"{column}: expected a date, got {value!r}")


def _text(row: Row, column: str) -> str | None:
    value = row.get(column)
    if type(value) is str:
        return value.strip() or None
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _flag(row: Row, column: str) -> bool:
    value = row.get(column)
    if isinstance(value, str):
        return value.strip() == "1"
    return bool(value)


def _fte(row: Row) -> Fraction:
    value = row.get("fte")
    if value is None or value == "" or isinstance(value, bool):
        return Fraction(0)
    if isinstance(value, (int, Decimal, Fraction)):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(Decimal(str(value).strip()))


def _iso(day: dt.date) -> str:
    return day.isoformat()


def duty_id(plan_id: str, start: dt.date) -> str:
    """The member id of one period of a plan's review chain: `plan_id|period start`."""
    return f"{plan_id}{ID_SEPARATOR}{_iso(start)}"


def phase_transfer_id(plan_id: str, transfer_date: dt.date) -> str:
    """The key of a phase transfer as `domain.quality` writes it: `plan_id|transfer_date`."""
    return f"{plan_id}{ID_SEPARATOR}{_iso(transfer_date)}"


# --- events and intervals --------------------------------------------------------------------------


class Flow(NamedTuple):
    """One dated act on one record: `day` places it in a period; `days` is its elapsed time (for
    timeliness) and `tags` what a figure needs to know about it (outcome, on time, exception...).

    Flows and intervals are named tuples rather than frozen dataclasses: as immutable, and several times
    quicker to make (a database of England's size makes over a million of them for one set of figures)."""

    id: str
    day: dt.date
    days: int | None = None
    tags: frozenset[str] = frozenset()


class Interval(NamedTuple):
    """A record counted in a stock figure at every as-of date `d` with `start <= d < end`."""

    id: str
    start: dt.date
    end: dt.date | None  # None: open for ever (as recorded)
    #: The date the clock started (for `open_by_weeks`: days since the request was received).
    since: dt.date

    def holds_at(self, as_of: dt.date) -> bool:
        return self.start <= as_of and (self.end is None or as_of < self.end)


#: Event families: name -> (table of its ids).
FLOW_TABLES: dict[str, str] = {
    "received": "requests",
    "decided": "requests",
    "issued": "assessments",
    "not_to_issue": "assessments",
    "advice": "advice",
    "draft": "assessments",
    "reviews_due": "plans",
    "meetings": "reviews",
    "review_decisions": "reviews",
    "amended": "reviews",
    "phase_transfers": "phase_transfers",
    "ceased": "plans",
}

#: Stock families: name -> (table of its ids).
STOCK_TABLES: dict[str, str] = {
    "open_requests": "requests",
    "open_assessments": "requests",
    "overdue_final_plans": "requests",
    "reviews_overdue": "plans",
}

Flows = dict[str, list[Flow]]


def default_milestones(tables: Tables) -> list[Milestone]:
    """The engine's milestones for the given rows (what `milestones` defaults to)."""
    return list(milestones_for_all(cases_from_tables(tables)))


_TAGS: dict[tuple[str, ...], frozenset[str]] = {}


def _tags(*names: str) -> frozenset[str]:
    """One shared frozenset per combination of tags: tens of thousands of events share a handful."""
    found = _TAGS.get(names)
    if found is None:
        found = _TAGS[names] = frozenset(names)
    return found


NO_TAGS = _tags()


def flows_at(
    tables: Tables,
    milestones: Iterable[Milestone],
    *,
    as_of: dt.date,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> Flows:
    """Every dated act known at `as_of`, by family; acts dated after `as_of` do not exist yet.

    `first` and `last` (inclusive) keep only the acts dated between them: the same events a later
    `select` would keep, without building the others.
    """
    lo = first or dt.date.min
    hi = min(last, as_of) if last is not None else as_of
    out: Flows = {name: [] for name in FLOW_TABLES}
    received_of = _request_flows(out, tables, lo, hi)
    _assessment_flows(out, tables, received_of, lo, hi)
    _advice_flows(out, tables, lo, hi)
    for row in tables.get("reviews", ()):
        _review_flows(out, row, lo, hi)
    for row in tables.get("plans", ()):
        cease = _date(row, "cease_date")
        if cease is not None and lo <= cease <= hi:
            reason = _text(row, "cease_reason") or NOT_RECORDED
            out["ceased"].append(Flow(str(row["plan_id"]), cease, None, _tags(reason)))
    _milestone_flows(out, tables, milestones, as_of, lo, hi)
    return out


def _request_flows(out: Flows, tables: Tables, lo: dt.date, hi: dt.date) -> dict[str, dt.date]:
    """Requests received and decided between `lo` and `hi`; returns every request's received date."""
    received_of: dict[str, dt.date] = {}
    received_flows, decided_flows = out["received"], out["decided"]
    for row in tables.get("requests", ()):
        rid = str(row["request_id"])
        received = _date(row, "received_date")
        if received is None:
            continue
        received_of[rid] = received
        if lo <= received <= hi:
            received_flows.append(Flow(rid, received))
        decided = _date(row, "request_outcome_date")
        if decided is not None and lo <= decided <= hi:
            outcome = _text(row, "request_outcome")
            if outcome == "Y" or outcome == "N":
                decided_flows.append(Flow(rid, decided, (decided - received).days, _tags(outcome)))
    return received_of


def _assessment_flows(out: Flows, tables: Tables, received_of: Mapping[str, dt.date], lo: dt.date, hi: dt.date) -> None:
    """Plans issued and decisions not to issue; a plan transferred in has no assessment, so is never here."""
    for row in tables.get("assessments", ()):
        day = _date(row, "assessment_outcome_date")
        if day is None or not lo <= day <= hi:
            continue
        outcome = _text(row, "assessment_outcome")
        received = received_of.get(str(row["request_id"]))
        if (outcome != "Y" and outcome != "N") or received is None:
            continue
        tags = _tags("exception") if _flag(row, "week20_exception") else NO_TAGS
        family = "issued" if outcome == "Y" else "not_to_issue"
        out[family].append(Flow(str(row["assessment_id"]), day, (day - received).days, tags))


def _advice_flows(out: Flows, tables: Tables, lo: dt.date, hi: dt.date) -> None:
    advice = out["advice"]
    for row in tables.get("advice", ()):
        day = _date(row, "received_date")
        if day is None or not lo <= day <= hi:
            continue
        requested = _date(row, "requested_date")
        days = (day - requested).days if requested is not None else None
        advice.append(Flow(str(row["advice_id"]), day, days, _tags(_text(row, "advice_type") or NOT_RECORDED)))


def _review_flows(out: Flows, row: Row, lo: dt.date, hi: dt.date) -> None:
    meeting, decision = _date(row, "meeting_date"), _date(row, "decision_date")
    amended = _date(row, "amended_plan_date")
    in_meeting = meeting is not None and lo <= meeting <= hi
    in_decision = decision is not None and meeting is not None and lo <= decision <= hi
    in_amended = amended is not None and lo <= amended <= hi
    if not (in_meeting or in_decision or in_amended):
        return
    rid = str(row["review_id"])
    if in_meeting:
        assert meeting is not None
        out["meetings"].append(Flow(rid, meeting))
    if in_decision:
        assert decision is not None
        assert meeting is not None
        outcome = _text(row, "outcome")
        out["review_decisions"].append(
            Flow(rid, decision, (decision - meeting).days, _tags(outcome) if outcome else NO_TAGS)
        )
    notice = _date(row, "amendment_notice_date")
    if in_amended and notice is not None:
        assert amended is not None
        tags = []
        if (amended - notice).days <= EIGHT_WEEKS:
            tags.append("within_8_weeks")
        if meeting is not None and (amended - meeting).days <= TWELVE_WEEKS:
            tags.append("within_12_weeks_of_meeting")
        out["amended"].append(Flow(rid, amended, (amended - notice).days, _tags(*tags)))


def _milestone_flows(
    out: Flows, tables: Tables, milestones: Iterable[Milestone], as_of: dt.date, lo: dt.date, hi: dt.date
) -> None:
    # A phase transfer's milestone names its plan and starts 12 months (rolling) before the transfer date.
    transfer_of: dict[tuple[str, dt.date], str] = {}
    for row in tables.get("phase_transfers", ()):
        day = _date(row, "transfer_date")
        if day is not None:
            plan_id = str(row["plan_id"])
            transfer_of[(plan_id, add_months_rolling(day, -12))] = phase_transfer_id(plan_id, day)
    draft_kind, transfer_kind = MilestoneKind.DRAFT_PLAN_WINDOW, MilestoneKind.PHASE_TRANSFER
    breach, on_time = _tags("breach"), _tags("on_time")
    for m in milestones:
        kind = m.kind
        if kind is draft_kind:
            done = m.done_date
            if done is None or not lo <= done <= hi:
                continue
            status = m.status_at(as_of)
            if status is not None:
                out["draft"].append(Flow(m.record_id, done, None, breach if status is Status.BREACH else NO_TAGS))
        elif kind in REVIEW_KINDS or kind is transfer_kind:
            if not lo <= m.due_date <= hi:
                continue
            status = m.status_at(as_of)
            if status is None or status is Status.NOT_APPLICABLE:
                continue
            tags = on_time if status is Status.DONE_ON_TIME else NO_TAGS
            if kind is transfer_kind:
                ident = transfer_of.get((m.record_id, m.start_date), duty_id(m.record_id, m.start_date))
                out["phase_transfers"].append(Flow(ident, m.due_date, None, tags))
            else:
                out["reviews_due"].append(Flow(duty_id(m.record_id, m.start_date), m.due_date, None, tags))


def _min_end(a: dt.date | None, b: dt.date | None, c: dt.date | None = None) -> dt.date | None:
    """The earliest of the dates given (None: no date)."""
    out = a
    if b is not None and (out is None or b < out):
        out = b
    if c is not None and (out is None or c < out):
        out = c
    return out


def stock_intervals(
    tables: Tables, milestones: Iterable[Milestone], *, at: dt.date | None = None
) -> dict[str, list[Interval]]:
    """For each stock figure, the as-of dates at which each record counts (independent of as-of).

    With `at`, only the intervals holding at that date (what one as-of date needs).
    """
    out: dict[str, list[Interval]] = {name: [] for name in STOCK_TABLES}

    def keep(start: dt.date, end: dt.date | None) -> bool:
        if end is not None and end <= start:
            return False  # an empty interval: never counted
        return at is None or (start <= at and (end is None or at < end))

    received_of = _open_requests(out["open_requests"], tables, keep)
    one_day = dt.timedelta(days=1)
    final_plan = MilestoneKind.FINAL_PLAN
    for m in milestones:
        kind = m.kind
        if kind is final_plan:
            if m.request_id is None:
                continue
            end = _min_end(m.exists_until, m.done_date, m.lapses_on)
            since = received_of.get(m.request_id, m.start_date)
            if keep(m.exists_from, end):
                out["open_assessments"].append(Interval(m.request_id, m.exists_from, end, since))
            overdue_from = max(m.exists_from, m.due_date + one_day)
            if keep(overdue_from, end):
                out["overdue_final_plans"].append(Interval(m.request_id, overdue_from, end, since))
        elif kind in REVIEW_KINDS:
            if at is not None and (m.due_date >= at or m.exists_from > at):
                continue
            end = _min_end(m.exists_until, m.done_date, m.lapses_on)
            overdue_from = max(m.exists_from, m.due_date + one_day)
            if keep(overdue_from, end):
                out["reviews_overdue"].append(
                    Interval(duty_id(m.record_id, m.start_date), overdue_from, end, m.start_date)
                )
    return out


def _open_requests(
    out: list[Interval], tables: Tables, keep: Callable[[dt.date, dt.date | None], bool]
) -> dict[str, dt.date]:
    """A request is open from its receipt until it is decided or withdrawn; returns received dates."""
    received_of: dict[str, dt.date] = {}
    for row in tables.get("requests", ()):
        rid = str(row["request_id"])
        received = _date(row, "received_date")
        if received is None:
            continue
        received_of[rid] = received
        outcome = _text(row, "request_outcome")
        if outcome == "H":
            continue  # historical: decided elsewhere or long ago, never open here
        decided = _date(row, "request_outcome_date")
        # A decision takes effect on its date; one recorded without a date, from the start.
        decided_from = (decided or received) if outcome in ("Y", "N") else None
        withdrawn = _date(row, "withdrawn_date") or (received if outcome == "W" else None)
        end = _min_end(decided_from, withdrawn)
        if keep(received, end):
            out.append(Interval(rid, received, end, received))
    return received_of


# --- building the output ----------------------------------------------------------------------------


class _Out:
    """Collects values (nested as the JSON is), members and exact figures, by path."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.members: dict[str, KpiMembers] = {}
        self.exact: dict[str, Fraction | None] = {}

    def _put(self, path: tuple[str, ...], value: object) -> str:
        node = self.values
        for part in path[:-1]:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node[path[-1]] = value
        return ".".join(path)

    def count(self, path: tuple[str, ...], table: str, ids: Iterable[str], of: Iterable[str] | None = None) -> None:
        numerator = frozenset(ids)
        denominator = numerator if of is None else frozenset(of)
        key = self._put(path, len(numerator))
        self.members[key] = KpiMembers(table, numerator, denominator)

    def percent(self, path: tuple[str, ...], table: str, ids: Iterable[str], of: Iterable[str]) -> None:
        numerator, denominator = frozenset(ids), frozenset(of)
        exact = share(len(numerator), len(denominator))
        key = self._put(path, round_half_away(exact))
        self.members[key] = KpiMembers(table, numerator, denominator)
        self.exact[key] = exact

    def figure(self, path: tuple[str, ...], exact: Fraction | None, members: KpiMembers | None = None) -> None:
        key = self._put(path, round_half_away(exact))
        self.exact[key] = exact
        if members is not None:
            self.members[key] = members


def _ids(flows: Iterable[Flow]) -> list[str]:
    return [f.id for f in flows]


def aggregate(out: _Out, flows: Flows) -> None:
    """The period's flow figures from the events already chosen for the period."""
    t = FLOW_TABLES
    out.count(("requests_received",), t["received"], _ids(flows["received"]))

    decided = flows["decided"]
    all_decided = _ids(decided)
    out.count(("requests_decided",), "requests", all_decided)
    out.count(("requests_decided_to_assess",), "requests", [f.id for f in decided if "Y" in f.tags], all_decided)
    out.count(("requests_decided_not_to_assess",), "requests", [f.id for f in decided if "N" in f.tags], all_decided)
    within6 = [f.id for f in decided if f.days is not None and f.days <= SIX_WEEKS]
    out.count(("request_decisions_within_6_weeks",), "requests", within6, all_decided)
    out.percent(("request_decisions_within_6_weeks_pc",), "requests", within6, all_decided)

    issued = flows["issued"]
    all_issued = _ids(issued)
    within20 = [f.id for f in issued if f.days is not None and f.days <= TWENTY_WEEKS]
    ex = [f for f in issued if "exception" not in f.tags]
    ex_ids = _ids(ex)
    within20_ex = [f.id for f in ex if f.days is not None and f.days <= TWENTY_WEEKS]
    a = "assessments"
    out.count(("plans_issued",), a, all_issued)
    out.count(("plans_issued_within_20_weeks",), a, within20, all_issued)
    out.percent(("plans_issued_within_20_weeks_pc",), a, within20, all_issued)
    out.count(("plans_issued_ex",), a, ex_ids, all_issued)
    out.count(("plans_issued_within_20_weeks_ex",), a, within20_ex, ex_ids)
    out.percent(("plans_issued_within_20_weeks_ex_pc",), a, within20_ex, ex_ids)
    mid = [f.id for f in issued if f.days is not None and TWENTY_WEEKS < f.days <= FIFTY_TWO_WEEKS]
    out.count(("plans_issued_20_to_52_weeks",), a, mid, all_issued)
    out.count(("plans_issued_over_52_weeks",), a, [f.id for f in issued if (f.days or 0) > FIFTY_TWO_WEEKS], all_issued)
    days = [f.days for f in issued if f.days is not None]
    everyone = KpiMembers(a, frozenset(all_issued), frozenset(all_issued))
    out.figure(("mean_weeks_to_issue",), mean_weeks(days), everyone)
    out.figure(("median_weeks_to_issue",), median_weeks(days), everyone)

    nti = flows["not_to_issue"]
    nti_ids = _ids(nti)
    out.count(("not_to_issue_decisions",), a, nti_ids)
    nti_within = [f.id for f in nti if f.days is not None and f.days <= SIXTEEN_WEEKS]
    out.percent(("not_to_issue_within_16_weeks_pc",), a, nti_within, nti_ids)

    _advice(out, flows["advice"])

    draft = flows["draft"]
    out.count(("draft_window_breaches",), a, [f.id for f in draft if "breach" in f.tags], _ids(draft))

    _reviews(out, flows)

    ceased = flows["ceased"]
    ceased_ids = _ids(ceased)
    out.count(("plans_ceased",), "plans", ceased_ids)
    reasons = list(CEASE_REASONS)
    if any(NOT_RECORDED in f.tags for f in ceased):
        reasons.append(NOT_RECORDED)
    for reason in reasons:
        out.count(("plans_ceased_by_reason", reason), "plans", [f.id for f in ceased if reason in f.tags], ceased_ids)


def _advice(out: _Out, advice: list[Flow]) -> None:
    all_ids = _ids(advice)
    out.count(("advice_returned",), "advice", all_ids)
    within = [f.id for f in advice if f.days is not None and f.days <= SIX_WEEKS]
    out.percent(("advice_within_6_weeks_pc",), "advice", within, all_ids)
    kinds = list(ADVICE_TYPES)
    if any(NOT_RECORDED in f.tags for f in advice):
        kinds.append(NOT_RECORDED)
    for kind in kinds:
        of_kind = [f for f in advice if kind in f.tags]
        ids = _ids(of_kind)
        out.count(("advice_by_type", kind, "advice_returned"), "advice", ids)
        ok = [f.id for f in of_kind if f.days is not None and f.days <= SIX_WEEKS]
        out.percent(("advice_by_type", kind, "advice_within_6_weeks_pc"), "advice", ok, ids)


def _reviews(out: _Out, flows: Flows) -> None:
    due = flows["reviews_due"]
    due_ids = _ids(due)
    on_time = [f.id for f in due if "on_time" in f.tags]
    out.count(("reviews_due",), "plans", due_ids)
    out.count(("reviews_on_time",), "plans", on_time, due_ids)
    out.percent(("reviews_on_time_pc",), "plans", on_time, due_ids)

    out.count(("review_meetings",), "reviews", _ids(flows["meetings"]))
    decisions = flows["review_decisions"]
    decision_ids = _ids(decisions)
    out.count(("review_decisions",), "reviews", decision_ids)
    within4 = [f.id for f in decisions if f.days is not None and f.days <= FOUR_WEEKS]
    out.percent(("review_decisions_within_4_weeks_pc",), "reviews", within4, decision_ids)
    for outcome in REVIEW_OUTCOMES:
        out.count(("review_outcomes", outcome), "reviews", [f.id for f in decisions if outcome in f.tags], decision_ids)

    amended = flows["amended"]
    amended_ids = _ids(amended)
    out.count(("amended_plans",), "reviews", amended_ids)
    out.percent(
        ("amended_plans_within_8_weeks_pc",),
        "reviews",
        [f.id for f in amended if "within_8_weeks" in f.tags],
        amended_ids,
    )
    out.percent(
        ("amended_plans_within_12_weeks_of_meeting_pc",),
        "reviews",
        [f.id for f in amended if "within_12_weeks_of_meeting" in f.tags],
        amended_ids,
    )

    transfers = flows["phase_transfers"]
    transfer_ids = _ids(transfers)
    out.count(("phase_transfers_due",), "phase_transfers", transfer_ids)
    out.percent(
        ("phase_transfers_on_time_pc",),
        "phase_transfers",
        [f.id for f in transfers if "on_time" in f.tags],
        transfer_ids,
    )


def _stock(
    out: _Out, tables: Tables, intervals: dict[str, list[Interval]], milestones: Sequence[Milestone], as_of: dt.date
) -> None:
    active = active_plan_ids(tables, as_of)
    out.count(("active_plans",), "plans", active)
    open_requests = [i for i in intervals["open_requests"] if i.holds_at(as_of)]
    open_assessments = [i for i in intervals["open_assessments"] if i.holds_at(as_of)]
    out.count(("open_requests",), "requests", _interval_ids(open_requests))
    out.count(("open_assessments",), "requests", _interval_ids(open_assessments))
    since: dict[str, dt.date] = {i.id: i.since for i in open_requests + open_assessments}
    everyone = set(since)
    for label, low, high in OPEN_BY_WEEKS_BUCKETS:
        ids = [
            rid
            for rid, day in since.items()
            if low <= (as_of - day).days and (high is None or (as_of - day).days <= high)
        ]
        out.count(("open_by_weeks", label), "requests", ids, everyone)
    overdue = _interval_ids(i for i in intervals["overdue_final_plans"] if i.holds_at(as_of))
    out.count(("overdue_final_plans",), "requests", overdue)
    out.count(
        ("reviews_overdue",), "plans", _interval_ids(i for i in intervals["reviews_overdue"] if i.holds_at(as_of))
    )
    _reviewed_in_last_12_months(out, tables, milestones, active, as_of)
    _caseload(out, tables, active)


def _interval_ids(intervals: Iterable[Interval]) -> set[str]:
    return {i.id for i in intervals}


def active_plan_ids(tables: Tables, as_of: dt.date) -> set[str]:
    """Plans held at `as_of`: started (a plan transferred in: arrived) on or before it, not ceased by it."""
    held: set[str] = set()
    for row in tables.get("plans", ()):
        start = _date(row, "transfer_in_date") or _date(row, "start_date")
        cease = _date(row, "cease_date")
        if start is not None and start <= as_of and (cease is None or cease > as_of):
            held.add(str(row["plan_id"]))
    return held


def _reviewed_in_last_12_months(
    out: _Out, tables: Tables, milestones: Sequence[Milestone], active: set[str], as_of: dt.date
) -> None:
    first_due: dict[str, dt.date] = {}
    for m in milestones:
        if m.kind is MilestoneKind.TRANSFER_IN_REVIEW or (m.kind is MilestoneKind.ANNUAL_REVIEW and m.seq <= 1):
            if m.record_id not in first_due or m.due_date < first_due[m.record_id]:
                first_due[m.record_id] = m.due_date
    window_start = add_months_rolling(as_of, -12) + dt.timedelta(days=1)
    reviewed: set[str] = set()
    for row in tables.get("reviews", ()):
        decision = _date(row, "decision_date")
        if decision is not None and window_start <= decision <= as_of:
            reviewed.add(str(row["plan_id"]))
    population = {p for p in active if p in first_due and first_due[p] < as_of}
    ids = population & reviewed
    out.count(("plans_reviewed_in_last_12_months",), "plans", ids, population)
    out.percent(("plans_reviewed_in_last_12_months_pc",), "plans", ids, population)


def _caseload(out: _Out, tables: Tables, active: set[str]) -> None:
    team_of: dict[str, str] = {}
    fte_of_team: dict[str, Fraction] = defaultdict(Fraction)
    for row in tables.get("caseworkers", ()):
        if not _flag(row, "active"):
            continue
        team = _text(row, "team") or NOT_RECORDED
        team_of[str(row["caseworker_id"])] = team
        fte_of_team[team] += _fte(row)
    plans_of_team: dict[str, set[str]] = defaultdict(set)
    for row in tables.get("plans", ()):
        plan_id, caseworker = str(row["plan_id"]), _text(row, "caseworker_id")
        if plan_id in active and caseworker in team_of:
            plans_of_team[team_of[caseworker]].add(plan_id)
    every = set().union(*plans_of_team.values()) if plans_of_team else set()
    total_fte = sum(fte_of_team.values(), Fraction(0))
    out.figure(
        ("caseload_per_fte", "overall"),
        Fraction(len(every)) / total_fte if total_fte else None,
        KpiMembers("plans", frozenset(every), frozenset(every)),
    )
    by_team: dict[str, object] = {}
    out.values["caseload_per_fte"] = {**_as_dict(out.values["caseload_per_fte"]), "by_team": by_team}
    for team in sorted(fte_of_team):
        plans = frozenset(plans_of_team.get(team, set()))
        fte = fte_of_team[team]
        exact = Fraction(len(plans)) / fte if fte else None
        by_team[team] = round_half_away(exact)
        key = f"caseload_per_fte.by_team.{team}"
        out.exact[key] = exact
        out.members[key] = KpiMembers("plans", plans, plans)


def _as_dict(value: object) -> dict[str, object]:
    assert isinstance(value, dict)
    return value


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from `first`'s month to `last`'s month, inclusive."""
    months: list[dt.date] = []
    day = first.replace(day=1)
    while day <= last:
        months.append(day)
        day = add_months_rolling(day, 1)
    return months


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _per_month(out: _Out, name: str, table: str, flows: list[Flow], months: list[dt.date]) -> None:
    by_month: dict[str, list[str]] = defaultdict(list)
    for f in flows:
        by_month[month_key(f.day)].append(f.id)
    out.values[name] = {}
    for month in months:
        key = month_key(month)
        out.count((name, key), table, by_month.get(key, []))


def select(flows: Flows, first: dt.date, last: dt.date) -> Flows:
    """The events dated from `first` to `last` inclusive."""
    return {name: [f for f in items if first <= f.day <= last] for name, items in flows.items()}


# --- the public function ----------------------------------------------------------------------------


def compute_kpis(
    tables: Tables,
    *,
    as_of: dt.date,
    period_from: dt.date,
    period_to: dt.date,
    milestones: Sequence[Milestone] | None = None,
) -> KpiResult:
    """Every indicator of `kpis.md` for the period `period_from`..`period_to` (inclusive) at `as_of`.

    `tables` are rows keyed by the extract's column names; `milestones` default to the engine's
    milestones for those rows (pass the stored ones to avoid recomputing them). Only acts dated on or
    before `as_of` count, so a past as-of date gives the same figures after later records are added.
    """
    if period_from > period_to:
        raise ValueError(ERR_PERIOD.format(start=period_from, end=period_to))
    ms = list(milestones) if milestones is not None else default_milestones(tables)
    flows = flows_at(tables, ms, as_of=as_of, first=period_from, last=period_to)
    return assemble(tables, ms, flows, stock_intervals(tables, ms, at=as_of), as_of, period_from, period_to)


def assemble(
    tables: Tables,
    milestones: Sequence[Milestone],
    flows: Flows,
    intervals: dict[str, list[Interval]],
    as_of: dt.date,
    period_from: dt.date,
    period_to: dt.date,
) -> KpiResult:
    """The result from the period's events (already chosen) and the stock intervals (any superset of
    those holding at `as_of`): what `compute_kpis` and `series.kpis_and_series` share."""
    out = _Out()
    aggregate(out, flows)
    _stock(out, tables, intervals, milestones, as_of)
    months = months_between(period_from, period_to)
    _per_month(out, "requests_per_month", "requests", flows["received"], months)
    _per_month(out, "plans_issued_per_month", "assessments", flows["issued"], months)
    values = {key: out.values[key] for key in KPI_KEYS}
    days = tuple(f.days for f in flows["issued"] if f.days is not None)
    return KpiResult(as_of, period_from, period_to, values, out.members, out.exact, days)
