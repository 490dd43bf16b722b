"""The data-quality engine: rules as named, documented objects, run over a `Dataset`, giving `Finding`s.

`data-quality.md` is the contract. Following TaMaTo's business rules and the children's-services
validators (conventions 3 and 4), each rule is one small function carrying one stable code, one
severity, the table and fields it reads and one plain-English message that says what to do; the
message is written once, on the rule, and every finding and the generated catalogue page show it.

A rule function only says *which records* break it (`Hit`s). The engine turns hits into findings,
adding what is the same for every rule: the record's stable id, the person it belongs to, and its
owner (caseworker and team, as `data-quality.md` defines them), so a finding can be worked as a list.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from sendtrack.domain.quality.dataset import Dataset, record_id
from sendtrack.domain.quality.values import Row

__all__ = [
    "Context",
    "Finding",
    "FindingKey",
    "Hit",
    "Rule",
    "Scope",
    "Severity",
    "all_rules",
    "catalogue",
    "get_rule",
    "rule",
    "run_case_rules",
    "run_rules",
]


class Severity(StrEnum):
    """How sure we are that the data is wrong (`data-quality.md`).

    `error`: the record cannot be right, or cannot go into SEN2. `warning`: probably wrong, a person
    should look. `query`: plausible, but the kind of value DfE queries in the SEN2 return.
    """

    ERROR = "error"
    WARNING = "warning"
    QUERY = "query"


class Scope(StrEnum):
    """What a rule reads, and so when it must be re-checked.

    `case` rules read one person's records only and are re-checked whenever that case changes;
    `cross_case` rules (DQ103, DQ104, DQ602) compare records across people and run after every load
    and on demand.
    """

    CASE = "case"
    CROSS_CASE = "cross_case"


@dataclass(frozen=True)
class Context:
    """The dates a run is judged at.

    `as_of` is "now" for the rules that speak of active, open or now (by default the extract date of
    the latest load, or today for data typed in the web app: the caller decides, there is no clock
    here). `extract_date` is the date the data was taken; `None` for data typed in the web app, when
    the rules that compare with it (DQ201, DQ603) use `as_of` instead.
    """

    as_of: dt.date
    extract_date: dt.date | None = None
    #: How many records of the whole extract carry each date, by (table, column), when the dataset
    #: checked is only part of it (a reconciliation in parts): what DQ602 compares a date with.
    date_counts: Mapping[tuple[str, str], Counter[dt.date]] | None = None

    @property
    def taken_on(self) -> dt.date:
        """The date no recorded event may be after: the extract date, else the as-of date."""
        return self.extract_date if self.extract_date is not None else self.as_of


class Hit(NamedTuple):
    """One record a rule says is wrong: its table, the row itself and the fields at fault."""

    table: str
    row: Row
    fields: tuple[str, ...]


Check = Callable[[Dataset, Context], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """One data-quality rule of `data-quality.md`.

    `table` is the table whose records the rule reports, or `*` for a rule that reports on several
    (DQ201, DQ208, DQ307, DQ407, DQ601, DQ602). `fields` are the columns it reads: a bare name is a
    column of `table`, `table.column` a column of another table. `message` is the one sentence every
    finding of the rule shows; it says what is wrong and what to do. `reference` is the statutory or
    DfE source the rule rests on (convention 3), shown in the catalogue.
    """

    code: str
    severity: Severity
    title: str
    message: str
    table: str
    fields: tuple[str, ...]
    scope: Scope
    check: Check
    reference: str = ""

    def as_dict(self) -> dict[str, object]:
        """The rule as a plain dict, for `sendtrack quality --catalogue` and the docs page."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "title": self.title,
            "message": self.message,
            "table": self.table,
            "fields": list(self.fields),
            "scope": self.scope.value,
            "reference": self.reference,
        }


class FindingKey(NamedTuple):
    """What identifies a finding over time: the same key in two runs is the same finding."""

    code: str
    table: str
    record_id: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Finding:
    """One rule broken by one record: `(code, severity, table, record id, fields, message)` plus its owner.

    `person_id` is the person the record belongs to; `caseworker_id` and `team` are the owner
    (`None` when the record has none, or the caseworker is not in the dataset).
    """

    code: str
    severity: Severity
    table: str
    record_id: str
    fields: tuple[str, ...]
    message: str
    person_id: str | None
    caseworker_id: str | None
    team: str | None = None

    @property
    def key(self) -> FindingKey:
        return FindingKey(self.code, self.table, self.record_id, self.fields)

    def as_dict(self) -> dict[str, object]:
        """The finding as a plain dict, in the `sendtrack quality` column order (fields joined by spaces)."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "table": self.table,
            "record_id": self.record_id,
            "fields": " ".join(self.fields),
            "message": self.message,
            "caseworker_id": self.caseworker_id,
            "team": self.team,
            "person_id": self.person_id,
        }


# -- the registry ---------------------------------------------------------------------------------

_REGISTRY: dict[str, Rule] = {}
_RULE_MODULES = "sendtrack.domain.quality.rules"


def rule(
    code: str,
    severity: Severity,
    *,
    title: str,
    reference: str,
    message: str,
    table: str,
    fields: Sequence[str],
    scope: Scope = Scope.CASE,
) -> Callable[[Check], Check]:
    """Register a check function as the rule `code`.

    The function's name must start with the code in lower case (`dq101_...`), so that a rule can be
    found from its code by grep as well as by the registry. Registering a code twice is an error.
    """

    def register(check: Check) -> Check:
        name = getattr(check, "__name__", "")
        if not name.startswith(code.lower() + "_"):
            raise ValueError(f"rule function {name!r} must be named after its code ({code.lower()}_...)")
        if code in _REGISTRY:
            raise ValueError(f"rule code {code} is registered twice")
        if not message.strip() or not fields or not reference.strip():
            raise ValueError(f"rule {code} needs a message, fields and a reference")
        _REGISTRY[code] = Rule(code, severity, title, message, table, tuple(fields), scope, check, reference)
        return check

    return register


def _code_order(code: str) -> tuple[int, str]:
    digits = "".join(ch for ch in code if ch.isdigit())
    return (int(digits) if digits else 0, code)


def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, in code order. Importing the rule modules registers them."""
    importlib.import_module(_RULE_MODULES)
    return tuple(_REGISTRY[code] for code in sorted(_REGISTRY, key=_code_order))


def get_rule(code: str) -> Rule:
    """One rule by its code (KeyError if there is none)."""
    importlib.import_module(_RULE_MODULES)
    return _REGISTRY[code]


def catalogue() -> list[dict[str, object]]:
    """The rules as plain dicts (code, severity, title, message, table, fields, scope, reference), in code order."""
    return [r.as_dict() for r in all_rules()]


# -- running --------------------------------------------------------------------------------------


def _select(codes: Iterable[str] | None, scope: Scope | str | None) -> list[Rule]:
    rules = list(all_rules())
    if codes is not None:
        wanted = set(codes)
        unknown = wanted - {r.code for r in rules}
        if unknown:
            raise KeyError(f"unknown rule code(s): {', '.join(sorted(unknown))}")
        rules = [r for r in rules if r.code in wanted]
    if scope is not None:
        rules = [r for r in rules if r.scope is Scope(scope)]
    return rules


def _findings(rule_: Rule, dataset: Dataset, context: Context) -> Iterator[Finding]:
    seen: set[tuple[str, str, tuple[str, ...]]] = set()
    for hit in rule_.check(dataset, context):
        rid = record_id(hit.table, hit.row)
        identity = (hit.table, rid, hit.fields)
        if identity in seen:  # two sub-checks of one rule on the same record and fields: one finding
            continue
        seen.add(identity)
        owner = dataset.owner_of(hit.table, hit.row, context.as_of)
        yield Finding(
            code=rule_.code,
            severity=rule_.severity,
            table=hit.table,
            record_id=rid,
            fields=hit.fields,
            message=rule_.message,
            person_id=dataset.person_id_of(hit.table, hit.row),
            caseworker_id=owner,
            team=dataset.team_of(owner),
        )


def run_rules(
    dataset: Dataset,
    *,
    as_of: dt.date,
    extract_date: dt.date | None = None,
    codes: Iterable[str] | None = None,
    scope: Scope | str | None = None,
    date_counts: Mapping[tuple[str, str], Counter[dt.date]] | None = None,
) -> list[Finding]:
    """Run the rules over a dataset and return every finding, sorted by code, table, record and fields.

    `codes` limits the run to some rules, `scope` to the `case` or the `cross_case` rules. The result
    depends only on the dataset and the two dates, so a run can be repeated for any past as-of date.
    `date_counts` (`count_dates` over the whole extract) is for a dataset that is one part of an
    extract: the date spikes (DQ602) are then those of the whole, found in this part's records.
    """
    context = Context(as_of=as_of, extract_date=extract_date, date_counts=date_counts)
    findings = [f for r in _select(codes, scope) for f in _findings(r, dataset, context)]
    findings.sort(key=lambda f: (_code_order(f.code), f.table, f.record_id, f.fields))
    return findings


def run_case_rules(
    dataset: Dataset,
    *,
    as_of: dt.date,
    extract_date: dt.date | None = None,
    codes: Iterable[str] | None = None,
) -> list[Finding]:
    """Re-check one case after an edit: the `case` rules over a dataset holding one person's records.

    Pass `Dataset.from_tables(one person's rows)` or `whole.for_person(person_id)`. Cross-case rules
    (duplicates, date spikes) are not run: they need the whole extract and run after every load.
    """
    return run_rules(dataset, as_of=as_of, extract_date=extract_date, codes=codes, scope=Scope.CASE)
