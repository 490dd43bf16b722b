"""Records in one extract only, and why: the near-miss report (`reconciliation.md`, `unmatched.csv`).

An analyst looking at "250 people only in the legacy system" needs to know, for each, whether the
child is really missing or the rules just could not be sure: a tie (two candidates equally good), a
candidate already taken by someone else, a UPN that fails its check, a birth date with the day and
month swapped. So every unmatched person names the best near-miss on the other side and why it was
not taken; every other record says whether its parent was matched and, if it was, what the rules
looked for among the parent's records. Reasons name fields and ids, never personal values: the file
travels further than the extracts do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sendtrack.domain.quality import is_valid_upn
from sendtrack.domain.quality.rules.migration import swapped
from sendtrack.domain.quality.values import Row, date_of, text_of
from sendtrack.domain.reconciliation.matching import (
    MATCH_ORDER,
    PARENTS,
    RULES,
    TIE_CANDIDATES_SHOWN,
    Indexed,
    MatchSet,
    children_index,
    normalised,
)
from sendtrack.domain.reconciliation.types import SIDES, Side, Tie, Unmatched, other_side

__all__ = ["unmatched_records"]

#: How many people sharing one birth date are scored as near misses (a placeholder birth date can be
#: carried by hundreds; the nearest of the first few hundred is near enough to explain the miss).
BIRTH_DATE_CANDIDATES = 200
#: The least agreement that makes a near miss worth naming: an identifier (4 points), or at least two of
#: surname, forename and birth date agreeing (2 points each when equal, 1 when cut short or swapped).
NEAR_MISS_SCORE = 3
PERSON_RULE_TEXT = (
    "the rules need the same valid UPN, the same ULN, the same names and birth date, or the same birth date "
    "with names equal or cut short"
)
PARENT_WORD = {"people": "person", "requests": "request", "assessments": "assessment", "plans": "plan"}
TABLE_WORD = {
    "caseworkers": "caseworker", "people": "person", "requests": "request", "assessments": "assessment",
    "advice": "advice request", "plans": "plan", "placements": "placement", "needs": "need", "reviews": "review",
    "phase_transfers": "phase transfer",
}  # fmt: skip


def _ids(ids: tuple[str, ...]) -> str:
    shown = ", ".join(ids[:TIE_CANDIDATES_SHOWN])
    more = len(ids) - TIE_CANDIDATES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _either(phrases: Iterable[str]) -> str:
    items = list(phrases)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _tie_text(tie: Tie) -> str:
    return (
        f"tie under rule {tie.rule}: {len(tie.candidates)} records in {other_side(tie.side)} are equally good "
        f"({_ids(tie.candidates)}), so none was taken"
    )


# --- people -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    person_id: str
    upn: str | None
    uln: str | None
    surname: str
    forename: str
    birth: dt.date | None


def _person(rid: str, row: Row) -> _Person:
    return _Person(
        rid,
        text_of(row, "upn"),
        text_of(row, "uln"),
        normalised(text_of(row, "surname")),
        normalised(text_of(row, "forename")),
        date_of(row, "birth_date"),
    )


class _PeopleIndex:
    """One side's people, looked up by each identity field, for near-miss candidates."""

    def __init__(self, side: Indexed) -> None:
        self.people = [_person(rid, r) for rid, r in side.by_id["people"].items()]
        self.by: dict[str, defaultdict[Hashable, list[_Person]]] = {
            name: defaultdict(list) for name in ("upn", "uln", "names", "birth")
        }
        for p in self.people:
            if p.upn:
                self.by["upn"][p.upn].append(p)
            if p.uln:
                self.by["uln"][p.uln].append(p)
            if p.surname and p.forename:
                self.by["names"][(p.surname, p.forename)].append(p)
            if p.birth is not None:
                self.by["birth"][p.birth].append(p)
                swap = swapped(p.birth)
                if swap is not None:
                    self.by["birth"][("swap", swap)].append(p)

    def candidates(self, p: _Person) -> list[_Person]:
        found: dict[str, _Person] = {}
        for kind, value in (("upn", p.upn), ("uln", p.uln), ("names", (p.surname, p.forename))):
            if value and value != ("", ""):
                for c in self.by[kind].get(value, ()):
                    found.setdefault(c.person_id, c)
        if p.birth is not None:
            for c in self.by["birth"].get(p.birth, [])[:BIRTH_DATE_CANDIDATES]:
                found.setdefault(c.person_id, c)
            for c in self.by["birth"].get(("swap", p.birth), [])[:BIRTH_DATE_CANDIDATES]:
                found.setdefault(c.person_id, c)
        return list(found.values())


def _name_agreement(a: str, b: str) -> tuple[int, str]:
    if not a or not b:
        return 0, "blank"
    if a == b:
        return 2, "same"
    if a.startswith(b) or b.startswith(a):
        return 1, "cut short"
    return 0, "different"


def _compare(p: _Person, c: _Person) -> tuple[int, list[str], list[str]]:
    """A near-miss score (higher is nearer), and the fields that agree and those that differ, in words."""
    score = 0
    same: list[str] = []
    differ: list[str] = []
    for label, a, b in (("UPN", p.upn, c.upn), ("ULN", p.uln, c.uln)):
        if a and b:
            if a == b:
                score += 4
                same.append(label)
            else:
                differ.append(label)
    for label, a, b in (("surname", p.surname, c.surname), ("forename", p.forename, c.forename)):
        points, word = _name_agreement(a, b)
        score += points
        if word == "same":
            same.append(label)
        elif word == "cut short":
            differ.append(f"{label} (one cut short)")
        elif word == "different":
            differ.append(label)
    if p.birth is not None and c.birth is not None:
        if p.birth == c.birth:
            score += 2
            same.append("birth date")
        elif swapped(p.birth) == c.birth:
            score += 1
            differ.append("birth date (day and month swapped)")
        else:
            differ.append(f"birth date ({abs((c.birth - p.birth).days)} days apart)")
    return score, same, differ


def _person_reason(side: Side, p: _Person, index: _PeopleIndex, found: MatchSet) -> str:
    tie = found.ties.get(("people", side, p.person_id))
    if tie is not None:
        return f"no person in {other_side(side)} matches: {_tie_text(tie)}"
    other = other_side(side)
    best: tuple[int, str, _Person, list[str], list[str]] | None = None
    for c in index.candidates(p):
        score, same, differ = _compare(p, c)
        if score >= NEAR_MISS_SCORE and (best is None or (score, c.person_id) > (best[0], best[1])):
            best = (score, c.person_id, c, same, differ)
    if best is None:
        return f"no person in {other} shares its UPN, its ULN, both its names or its birth date"
    _, _, c, same, differ = best
    agrees = ", ".join(same) if same else "nothing exactly"
    text = f"nearest in {other}: {c.person_id} (same {agrees}" + (f"; differs: {', '.join(differ)}" if differ else "")
    text += ")"
    taken = found.counterpart("people", other, c.person_id)
    if taken is not None:
        rule = found.rule_of["people"][taken if other == "new" else c.person_id]
        return f"{text}, already matched to {side} {taken} by rule {rule}"
    if p.upn and c.upn and p.upn == c.upn and not (is_valid_upn(p.upn) and is_valid_upn(c.upn)):
        return f"{text}, not taken: the shared UPN fails its check digit, and {PERSON_RULE_TEXT}"
    return f"{text}, not taken: {PERSON_RULE_TEXT}"


# --- other records ----------------------------------------------------------------------------------


def _parent_key(table: str, row: Row) -> str | None:
    return text_of(row, PARENTS[table][1])


def _record_reason(side: Side, table: str, row: Row, rid: str, sides: Mapping[Side, Indexed], found: MatchSet) -> str:
    other = other_side(side)
    word = TABLE_WORD[table]
    tie = found.ties.get((table, side, rid))
    if tie is not None:
        return _tie_text(tie)
    if table == "caseworkers":
        return f"no caseworker in {other} has the same name or caseworker id"
    parent_table, _ = PARENTS[table]
    parent_word = PARENT_WORD.get(parent_table, parent_table)
    parent_id = _parent_key(table, row)
    parent_rows = sides[side].by_id[parent_table]
    if parent_id is None or parent_id not in parent_rows:
        return f"its {parent_word} is not in this extract"
    counterpart = found.counterpart(parent_table, side, parent_id)
    if counterpart is None:
        return f"its {parent_word} {parent_id} has no match in {other}"
    there = sides[other]
    siblings = children_index(there.ds, table).get(counterpart, ())
    rules = RULES[table]
    looked_for = _either(r.description for r in rules if r.description)
    if not siblings:
        return f"the matched {parent_word} ({other} {counterpart}) has no {word} records in {other}"
    free = {
        there.id_of(table, s): s for s in siblings if found.counterpart(table, other, there.id_of(table, s)) is None
    }
    count = len(siblings)
    held = f"1 {word} record" if count == 1 else f"{count} {word} records"
    text = f"the matched {parent_word} ({other} {counterpart}) has {held}, none with {looked_for}"
    nearest = _nearest_date_note(table, row, free, other)
    if nearest:
        return f"{text}; {nearest}"
    if not free:
        return f"{text}; {'it is' if count == 1 else 'all are'} matched to other records"
    return text


def _nearest_date_note(table: str, row: Row, free: Mapping[str, Row], other: Side) -> str:
    """For the rules that look at a date, the nearest unmatched candidate and how far away it is."""
    date_rule = next((r for r in RULES[table] if r.nearest_days is not None), None)
    if date_rule is None or not free:
        return ""
    mine = date_rule.key(row)
    if not isinstance(mine, dt.date):
        return ""
    best: tuple[int, str] | None = None
    for sid, s in free.items():
        theirs = date_rule.key(s)
        if isinstance(theirs, dt.date):
            gap = (theirs - mine).days
            if best is None or (abs(gap), sid) < (abs(best[0]), best[1]):
                best = (gap, sid)
    if best is None:
        return ""
    gap, rid = best
    when = "the same day" if gap == 0 else f"{abs(gap)} days {'later' if gap > 0 else 'earlier'}"
    return f"the nearest unmatched one in {other} is {rid}, dated {when}"


def unmatched_records(
    sides: Mapping[Side, Indexed], found: MatchSet, *, tables: Sequence[str] = MATCH_ORDER
) -> list[Unmatched]:
    """Every record without a match, on both sides, table by table, with its reason.

    `tables` limits the list to some tables: a person's near misses are looked for among all the
    other extract's people, so a reconciliation in parts lists its people once, over the whole.
    """
    out: list[Unmatched] = []
    indexes: dict[Side, _PeopleIndex] = {}
    for table in tables:
        for side in SIDES:
            ds = sides[side].ds
            matched = found.old_to_new[table] if side == "old" else found.new_to_old[table]
            for rid, row in sides[side].by_id[table].items():
                if rid in matched:
                    continue
                person = ds.person_id_of(table, row) or ""
                if table == "people":
                    other = other_side(side)
                    if other not in indexes:
                        indexes[other] = _PeopleIndex(sides[other])
                    reason = _person_reason(side, _person(rid, row), indexes[other], found)
                else:
                    reason = _record_reason(side, table, row, rid, sides, found)
                out.append(Unmatched(side, table, rid, person, reason))
    return out
