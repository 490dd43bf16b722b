"""A finding's life: first seen on one run, still open on later ones, resolved on the run that no longer sees it.

The `quality` Django app stores findings with their owner, first-seen date and resolved date. What
to write after a run is decided here, as a pure function, so the rule is tested without a database
and is the same after a load (every rule), on demand, and after an edit to one case (that case's
`case` rules only).

The one trap is scope: a re-check of one case must not resolve findings it did not look for. So the
open findings passed in are narrowed to what the run could have raised (rules of the scope run, and
records of the person re-checked) before anything is marked resolved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sendtrack.domain.quality.engine import Finding, FindingKey, Scope, all_rules

__all__ = ["FindingChanges", "StoredFinding", "diff_findings"]


@dataclass(frozen=True)
class StoredFinding:
    """An open finding as stored: its identity, the person it is about and when it was first seen."""

    code: str
    table: str
    record_id: str
    fields: tuple[str, ...]
    person_id: str | None
    first_seen: dt.date

    @property
    def key(self) -> FindingKey:
        return FindingKey(self.code, self.table, self.record_id, self.fields)


@dataclass(frozen=True)
class FindingChanges:
    """What to write after a run, dated `on`.

    `opened`: new findings, to store with `first_seen = on`. `still_open`: stored findings seen again,
    each with the fresh finding (its owner may have changed; `first_seen` stays). `resolved`: stored
    findings the run no longer raises, to close with `resolved = on`. A finding resolved earlier and
    raised again is a new finding (`opened`): it is a new fault, with a new first-seen date.
    """

    on: dt.date
    opened: tuple[Finding, ...]
    still_open: tuple[tuple[StoredFinding, Finding], ...]
    resolved: tuple[StoredFinding, ...]


def diff_findings(
    open_findings: Iterable[StoredFinding],
    current: Iterable[Finding],
    *,
    on: dt.date,
    scope: Scope | str | None = None,
    person_id: str | None = None,
    codes: Iterable[str] | None = None,
) -> FindingChanges:
    """Compare the open stored findings with a run's findings.

    Pass the same `scope` and `codes` the run used, and `person_id` for a one-case re-check: only open
    findings the run could have raised again are candidates for `resolved`; the others are left alone.
    """
    run_codes = {r.code for r in all_rules() if scope is None or r.scope is Scope(scope)}
    if codes is not None:
        run_codes &= set(codes)
    candidates = {
        stored.key: stored
        for stored in open_findings
        if stored.code in run_codes and (person_id is None or stored.person_id == person_id)
    }
    opened: list[Finding] = []
    still_open: list[tuple[StoredFinding, Finding]] = []
    seen: set[FindingKey] = set()
    for finding in current:
        key = finding.key
        if key in seen:
            continue
        seen.add(key)
        stored = candidates.get(key)
        if stored is None:
            opened.append(finding)
        else:
            still_open.append((stored, finding))
    resolved = tuple(stored for key, stored in candidates.items() if key not in seen)
    return FindingChanges(on=on, opened=tuple(opened), still_open=tuple(still_open), resolved=resolved)
