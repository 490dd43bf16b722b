"""Matching records across two extracts whose keys differ (`reconciliation.md`, "Matching").

Keys are each system's own, so records are matched, not joined. People are matched first, over the
whole extract, by UPN, ULN, name and birth date, and truncated name; every other record is matched
only against the records of its matched parent (a request against the requests of the matched
person, a review against the reviews of the matched plan...), by the rules of its table in order.

Three properties the rest of the reconciliation relies on:

- **Each match names its rule**, the first rule that matched it; a record is matched at most once.
- **Ties are reported, not guessed.** A rule pairs two records only when each is the other's one
  candidate. When a rule finds several equally good candidates, the records are left for the next
  rule, and if none matches them the tie is what the unmatched report says.
- **Work is local.** Only people are matched across the whole extract (by key lookups); everything
  else is matched within one person's or one plan's records, so the cost grows with the number of
  records, not with its square.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sendtrack.domain.names import normalise_name
from sendtrack.domain.quality import KEYS, Dataset, is_valid_upn, record_id
from sendtrack.domain.quality.values import Row, date_of, text_of
from sendtrack.domain.reconciliation.types import Match, Side, Tie

__all__ = [
    "IDENTITY_TABLES",
    "MATCH_ORDER",
    "Indexed",
    "NEAREST_DAYS",
    "PARENTS",
    "RULES",
    "MatchSet",
    "match_all",
    "names_compatible",
    "normalised",
]

#: "within 7 days (the nearest)" in the request, plan and review rules.
NEAREST_DAYS = 7
#: How many candidates a tie lists by id (the rest are counted).
TIE_CANDIDATES_SHOWN = 5

#: Tables in the order they are matched: each after the table its records hang from.
MATCH_ORDER: tuple[str, ...] = (
    "caseworkers", "people", "requests", "assessments", "advice", "plans",
    "placements", "needs", "reviews", "phase_transfers",
)  # fmt: skip

#: The parent each table is matched through (table, the column naming the parent's key).
PARENTS: Mapping[str, tuple[str, str]] = {
    "requests": ("people", "person_id"),
    "assessments": ("requests", "request_id"),
    "advice": ("assessments", "assessment_id"),
    "plans": ("people", "person_id"),
    "placements": ("plans", "plan_id"),
    "needs": ("plans", "plan_id"),
    "reviews": ("plans", "plan_id"),
    "phase_transfers": ("plans", "plan_id"),
}

Key = Callable[[Row], Hashable | None]


@dataclass(frozen=True)
class Rule:
    """One matching rule: pairs records whose `key` is equal, or (with `nearest_days`) whose date is nearest."""

    name: str
    key: Key
    nearest_days: int | None = None
    description: str = ""


def _date_key(column: str) -> Key:
    return lambda row: date_of(row, column)


def _text_key(*columns: str) -> Key:
    def key(row: Row) -> Hashable | None:
        parts = tuple(text_of(row, c) for c in columns)
        return None if any(p is None for p in parts) else parts

    return key


def _always(row: Row) -> Hashable:
    return True


def _advice_type_and_requested(row: Row) -> Hashable | None:
    kind, day = text_of(row, "advice_type"), date_of(row, "requested_date")
    return None if kind is None or day is None else (kind, day)


def _placement_key_with_entry(row: Row) -> Hashable | None:
    kind, rank = text_of(row, "kind"), text_of(row, "placement_rank")
    return None if kind is None or rank is None else (kind, rank, date_of(row, "entry_date"))


def _assessment_outcome(row: Row) -> Hashable | None:
    return date_of(row, "assessment_outcome_date")


def _caseworker_name(row: Row) -> Hashable | None:
    return normalised(text_of(row, "name")) or None


#: Every table's rules, in order (people have their own, global, rules: `PERSON_RULES`).
RULES: Mapping[str, tuple[Rule, ...]] = {
    "caseworkers": (
        Rule("same_name", _caseworker_name, description="the same name (case, spaces, hyphens, apostrophes ignored)"),
        Rule("same_caseworker_id", _text_key("caseworker_id"), description="the same caseworker id"),
    ),
    "requests": (
        Rule("same_received_date", _date_key("received_date"), description="the same received date"),
        Rule("same_outcome_date", _date_key("request_outcome_date"), description="the same request outcome date"),
        Rule("received_within_7_days", _date_key("received_date"), NEAREST_DAYS,
             "a received date within 7 days"),
    ),
    "assessments": (
        Rule("through_request", _always, description="the one assessment of the matched request"),
        Rule("through_request_and_outcome_date", _assessment_outcome,
             description="the assessment of the matched request with the same outcome date"),
    ),
    "advice": (
        Rule("same_advice_type", _text_key("advice_type"), description="the same advice type"),
        Rule("same_advice_type_and_requested_date", _advice_type_and_requested,
             description="the same advice type and requested date"),
    ),
    "plans": (
        Rule("same_start_date", _date_key("start_date"), description="the same start date"),
        Rule("start_within_7_days", _date_key("start_date"), NEAREST_DAYS, "a start date within 7 days"),
    ),
    "placements": (
        Rule("same_kind_and_rank", _text_key("kind", "placement_rank"), description="the same kind and rank"),
        Rule("same_kind_rank_and_entry_date", _placement_key_with_entry,
             description="the same kind, rank and entry date"),
    ),
    "needs": (Rule("same_rank", _text_key("sen_type_rank"), description="the same rank"),),
    "reviews": (
        Rule("same_meeting_date", _date_key("meeting_date"), description="the same meeting date"),
        Rule("same_decision_date", _date_key("decision_date"), description="the same decision date"),
        Rule("meeting_within_7_days", _date_key("meeting_date"), NEAREST_DAYS,
             "a meeting date within 7 days"),
    ),
    "phase_transfers": (Rule("same_transfer_date", _date_key("transfer_date"), description="the same transfer date"),),
}  # fmt: skip

PERSON_RULE_NAMES: tuple[str, ...] = ("upn", "uln", "name_and_birth_date", "truncated_name")


def _upn_key(row: Row) -> Hashable | None:
    upn = text_of(row, "upn")
    return upn if upn is not None and is_valid_upn(upn) else None


def _uln_key(row: Row) -> Hashable | None:
    return text_of(row, "uln")


def _name_birth_key(row: Row) -> Hashable | None:
    surname, forename = normalised(text_of(row, "surname")), normalised(text_of(row, "forename"))
    birth = date_of(row, "birth_date")
    return (surname, forename, birth) if surname and forename and birth is not None else None


@functools.lru_cache(maxsize=1 << 16)
def normalised(name: str | None) -> str:
    """`normalise_name`, remembered: a council has far fewer distinct names than people."""
    return normalise_name(name)


def names_compatible(a: str, b: str) -> bool:
    """Two normalised names agree or one is a prefix of the other (a name cut short by a field width)."""
    return bool(a) and bool(b) and (a.startswith(b) or b.startswith(a))


def fast_record_id(table: str, row: Row) -> str:
    """`record_id`, with a shortcut for the common case of a one-column key held as text."""
    key = KEYS[table]
    if len(key) == 1:
        value = row.get(key[0])
        if isinstance(value, str):
            return value.strip()
    return record_id(table, row)


class Indexed:
    """One extract's rows with each record's id worked out once, and every record by its id.

    `record_id` is what names a record everywhere (matches, differences, findings); computing it
    once per row, not once per use, is a third of the cost of a large reconciliation.
    """

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.by_id: dict[str, dict[str, Row]] = {}
        self._ids: dict[int, str] = {}
        for table in MATCH_ORDER:
            rows: dict[str, Row] = {}
            for row in ds.rows(table):
                rid = fast_record_id(table, row)
                rows.setdefault(rid, row)
                self._ids[id(row)] = rid
            self.by_id[table] = rows

    def id_of(self, table: str, row: Row) -> str:
        """The record id of a row of this extract."""
        rid = self._ids.get(id(row))
        return rid if rid is not None else record_id(table, row)

    def ids(self, table: str, rows: Iterable[Row]) -> dict[str, Row]:
        """Rows by their record id (the first row wins a duplicate id)."""
        out: dict[str, Row] = {}
        for row in rows:
            out.setdefault(self.id_of(table, row), row)
        return out


@dataclass
class MatchSet:
    """The matches of every table, both ways, and the ties still standing."""

    old_to_new: dict[str, dict[str, str]] = field(default_factory=lambda: {t: {} for t in MATCH_ORDER})
    new_to_old: dict[str, dict[str, str]] = field(default_factory=lambda: {t: {} for t in MATCH_ORDER})
    rule_of: dict[str, dict[str, str]] = field(default_factory=lambda: {t: {} for t in MATCH_ORDER})
    ties: dict[tuple[str, Side, str], Tie] = field(default_factory=dict)

    def add(self, table: str, old_id: str, new_id: str, rule: str) -> None:
        self.old_to_new[table][old_id] = new_id
        self.new_to_old[table][new_id] = old_id
        self.rule_of[table][old_id] = rule

    def tie(self, table: str, side: Side, record: str, rule: str, candidates: Iterable[str]) -> None:
        """Note a tie; the first rule that tied a record is the one reported (later rules only retry it)."""
        self.ties.setdefault((table, side, record), Tie(table, side, record, rule, tuple(sorted(candidates))))

    def counterpart(self, table: str, side: Side, record: str) -> str | None:
        """The id on the other side of a matched record (None if unmatched)."""
        return (self.old_to_new if side == "old" else self.new_to_old)[table].get(record)

    def matches(self) -> list[Match]:
        """Every match, table by table in matching order, then by old id."""
        return [
            Match(table, old_id, new_id, self.rule_of[table][old_id])
            for table in MATCH_ORDER
            for old_id, new_id in sorted(self.old_to_new[table].items())
        ]

    def standing_ties(self) -> list[Tie]:
        """Ties of records that no later rule matched, in table, side and id order."""
        order = {t: i for i, t in enumerate(MATCH_ORDER)}
        return sorted(
            (t for t in self.ties.values() if self.counterpart(t.table, t.side, t.record_id) is None),
            key=lambda t: (order[t.table], t.side != "old", t.record_id),
        )


# --- pairing ----------------------------------------------------------------------------------------


def _pair_by_key(
    table: str,
    rule: str,
    olds: Mapping[str, Row],
    news: Mapping[str, Row],
    key: Key,
    found: MatchSet,
) -> None:
    """Pair records whose key is equal and unique on both sides; record a tie for every larger group."""
    groups_old: defaultdict[Hashable, list[str]] = defaultdict(list)
    for rid, row in olds.items():
        value = key(row)
        if value is not None:
            groups_old[value].append(rid)
    if not groups_old:
        return
    groups_new: defaultdict[Hashable, list[str]] = defaultdict(list)
    for rid, row in news.items():
        value = key(row)
        if value is not None and value in groups_old:
            groups_new[value].append(rid)
    for value, new_ids in groups_new.items():
        old_ids = groups_old[value]
        if len(old_ids) == 1 and len(new_ids) == 1:
            found.add(table, old_ids[0], new_ids[0], rule)
            continue
        for rid in old_ids:
            found.tie(table, "old", rid, rule, new_ids)
        for rid in new_ids:
            found.tie(table, "new", rid, rule, old_ids)


def _pair_mutual(table: str, rule: str, candidates: Iterable[tuple[str, str]], found: MatchSet) -> None:
    """Pair records that are each other's only candidate; the others are ties."""
    by_old: defaultdict[str, set[str]] = defaultdict(set)
    by_new: defaultdict[str, set[str]] = defaultdict(set)
    for old_id, new_id in candidates:
        by_old[old_id].add(new_id)
        by_new[new_id].add(old_id)
    for old_id, new_ids in by_old.items():
        if len(new_ids) == 1:
            (new_id,) = new_ids
            if len(by_new[new_id]) == 1:
                found.add(table, old_id, new_id, rule)
                continue
        found.tie(table, "old", old_id, rule, new_ids)
    for new_id, old_ids in by_new.items():
        if found.counterpart(table, "new", new_id) is None:
            found.tie(table, "new", new_id, rule, old_ids)


def _pair_nearest(
    table: str,
    rule: str,
    olds: Mapping[str, Row],
    news: Mapping[str, Row],
    key: Key,
    days: int,
    found: MatchSet,
) -> None:
    """Pair by the nearest date within `days`, nearest first; two candidates equally near are a tie.

    Pairs are taken in order of distance, so a pair is made only when neither record has a nearer
    candidate left; a record with two candidates at its nearest distance is tied and not matched by
    this rule at all (the farther candidate would be a guess).
    """
    old_dates = [(rid, d) for rid, row in olds.items() if isinstance(d := key(row), dt.date)]
    new_dates = [(rid, d) for rid, row in news.items() if isinstance(d := key(row), dt.date)]
    pairs = sorted(
        (abs((nd - od).days), old_id, new_id)
        for old_id, od in old_dates
        for new_id, nd in new_dates
        if abs((nd - od).days) <= days
    )
    done_old: set[str] = set()
    done_new: set[str] = set()
    start = 0
    while start < len(pairs):
        distance = pairs[start][0]
        end = start
        while end < len(pairs) and pairs[end][0] == distance:
            end += 1
        level = [(o, n) for _, o, n in pairs[start:end] if o not in done_old and n not in done_new]
        start = end
        count_old: defaultdict[str, list[str]] = defaultdict(list)
        count_new: defaultdict[str, list[str]] = defaultdict(list)
        for old_id, new_id in level:
            count_old[old_id].append(new_id)
            count_new[new_id].append(old_id)
        for old_id, new_id in level:
            if len(count_old[old_id]) == 1 and len(count_new[new_id]) == 1:
                found.add(table, old_id, new_id, rule)
            else:
                found.tie(table, "old", old_id, rule, count_old[old_id])
                found.tie(table, "new", new_id, rule, count_new[new_id])
            done_old.add(old_id)
            done_new.add(new_id)


def _apply_rules(
    table: str, rules: Sequence[Rule], olds: dict[str, Row], news: dict[str, Row], found: MatchSet
) -> None:
    """Run a table's rules in order over two groups of records, removing each record once matched."""
    for rule in rules:
        if not olds or not news:
            return
        if rule.nearest_days is None:
            _pair_by_key(table, rule.name, olds, news, rule.key, found)
        else:
            _pair_nearest(table, rule.name, olds, news, rule.key, rule.nearest_days, found)
        matched = found.old_to_new[table]
        for old_id in [o for o in olds if o in matched]:
            new_id = matched[old_id]
            del olds[old_id]
            news.pop(new_id, None)


# --- people -----------------------------------------------------------------------------------------


def _match_people(old: Indexed, new: Indexed, found: MatchSet) -> None:
    olds = dict(old.by_id["people"])
    news = dict(new.by_id["people"])
    for name, key in (("upn", _upn_key), ("uln", _uln_key), ("name_and_birth_date", _name_birth_key)):
        _pair_by_key("people", name, olds, news, key, found)
        _drop_matched("people", olds, news, found)
    _match_truncated_names(olds, news, found)


def _drop_matched(table: str, olds: dict[str, Row], news: dict[str, Row], found: MatchSet) -> None:
    matched = found.old_to_new[table]
    for old_id in [o for o in olds if o in matched]:
        news.pop(matched[old_id], None)
        del olds[old_id]


def _match_truncated_names(olds: dict[str, Row], news: dict[str, Row], found: MatchSet) -> None:
    """Rule 4: the same birth date, and each name equal to or a prefix of the other's (a truncation).

    `reconciliation.md` gives two cases: the same surname with one forename a prefix of the other, or
    one surname a prefix of the other. Both are the case of "each name equal to or a prefix of the
    other's", which also covers both names cut short by one system (both fields narrower); a person
    with a blank name is never matched on it.
    """
    by_birth: defaultdict[dt.date, list[tuple[str, str, str]]] = defaultdict(list)
    for rid, row in news.items():
        birth = date_of(row, "birth_date")
        if birth is not None:
            surname = normalised(text_of(row, "surname"))
            forename = normalised(text_of(row, "forename"))
            by_birth[birth].append((rid, surname, forename))
    candidates: list[tuple[str, str]] = []
    for rid, row in olds.items():
        birth = date_of(row, "birth_date")
        if birth is None or birth not in by_birth:
            continue
        surname = normalised(text_of(row, "surname"))
        forename = normalised(text_of(row, "forename"))
        for new_id, new_surname, new_forename in by_birth[birth]:
            if names_compatible(surname, new_surname) and names_compatible(forename, new_forename):
                candidates.append((rid, new_id))
    _pair_mutual("people", "truncated_name", candidates, found)


# --- everything else --------------------------------------------------------------------------------


def children_index(ds: Dataset, table: str) -> Mapping[str, Sequence[Row]]:
    """A table's records grouped by the key of their parent (`PARENTS`)."""
    if table == "requests":
        return ds.requests_by_person
    if table == "plans":
        return ds.plans_by_person
    if table == "assessments":
        return ds.assessments_by_request
    if table == "advice":
        return ds.advice_by_assessment
    return ds.children_of_plan[table]


def _match_children(table: str, old: Indexed, new: Indexed, found: MatchSet) -> None:
    parent = PARENTS[table][0]
    old_children, new_children = children_index(old.ds, table), children_index(new.ds, table)
    rules = RULES[table]
    for old_parent, new_parent in found.old_to_new[parent].items():
        old_rows, new_rows = old_children.get(old_parent), new_children.get(new_parent)
        if not old_rows or not new_rows:
            continue
        _apply_rules(table, rules, old.ids(table, old_rows), new.ids(table, new_rows), found)


#: The tables matched across the whole extract; every other table is matched within a matched parent.
IDENTITY_TABLES: tuple[str, ...] = ("caseworkers", "people")


def match_all(old: Indexed, new: Indexed, *, identities: MatchSet | None = None) -> MatchSet:
    """Match every table of two extracts, in `MATCH_ORDER`.

    `identities` gives the caseworker and people matches (and their ties) already made over the whole
    of two extracts, when `old` and `new` hold only part of them: those of the people in the part are
    taken as they are, and the rest of the part is matched through them, as it would be in the whole.
    """
    found = MatchSet()
    if identities is None:
        _apply_rules(
            "caseworkers", RULES["caseworkers"], dict(old.by_id["caseworkers"]), dict(new.by_id["caseworkers"]), found
        )
        _match_people(old, new, found)
    else:
        _take_identities(identities, old, new, found)
    for table in MATCH_ORDER[2:]:
        _match_children(table, old, new, found)
    return found


def _take_identities(identities: MatchSet, old: Indexed, new: Indexed, found: MatchSet) -> None:
    """The whole's matches and ties of the caseworkers and people present here (looked up by this part's ids:
    a part is small, the whole is not)."""
    for table in IDENTITY_TABLES:
        forward, rules = identities.old_to_new[table], identities.rule_of[table]
        news = new.by_id[table]
        for old_id in old.by_id[table]:
            new_id = forward.get(old_id)
            if new_id is not None and new_id in news:
                found.add(table, old_id, new_id, rules[old_id])
        pairs: tuple[tuple[Side, Indexed], ...] = (("old", old), ("new", new))
        for side, here in pairs:
            for record in here.by_id[table]:
                tie = identities.ties.get((table, side, record))
                if tie is not None:
                    found.ties[(table, side, record)] = tie
