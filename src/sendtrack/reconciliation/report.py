"""The reconciliation for people: `report.html` and the web page, built from one context.

`report_context` turns a `Reconciliation` into plain strings and lists (numbers formatted, dates
written out, drill-down lists cut to a length a page can hold), so the same context renders the
self-contained `report.html` of `sendtrack reconcile` and the analyst's page in the web app, and
can be stored with a web run and shown again later without re-running anything.

The report goes to a steering group, further than the extracts go, so it names records by id and
never shows a name, UPN, ULN, birth date or postcode: those differences are counted, and their
values are left to `differences.csv`.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from sendtrack.domain.kpis import BY_KEY
from sendtrack.domain.quality import get_rule
from sendtrack.domain.reconciliation import ChangeKind, Movement, Reconciliation, Unmatched, as_text
from sendtrack.domain.reconciliation.kpis import IDENTITY_FIELDS
from sendtrack.domain.reconciliation.text import (
    HEADLINE_KPIS,
    causes_text,
    field_label,
    format_difference,
    format_kpi,
    headline,
    impact_sentences,
    kpi_label,
    long_date,
    movement_text,
)

__all__ = ["DRILL_DOWN_ROWS", "TABLE_NAMES", "inline_css", "render_report", "report_context"]

#: Rows shown in each drill-down list; the files hold them all.
DRILL_DOWN_ROWS = 200
TABLE_NAMES = {
    "caseworkers": "Caseworkers",
    "people": "People",
    "requests": "Requests for assessment",
    "assessments": "Assessments",
    "advice": "Advice",
    "plans": "EHC plans",
    "placements": "Placements",
    "needs": "Needs",
    "reviews": "Reviews",
    "phase_transfers": "Phase transfers",
}
FINDING_TITLES = {
    "DQ604": "Systematic date shift",
    "DQ605": "Name cut short",
}
KIND_TEXT = {
    ChangeKind.STAMPED: "the same date stamped on many records (a migration run date)",
    ChangeKind.PLACEHOLDER: "a placeholder date",
    ChangeKind.SHIFT: "shifted by the same number of days",
    ChangeKind.SWAP: "day and month swapped",
    ChangeKind.TRUNCATED: "cut short",
    ChangeKind.BLANKED: "blank in new",
    ChangeKind.FILLED: "filled in in new",
    ChangeKind.CHANGED: "changed",
}
KIND_CODE = {
    ChangeKind.STAMPED: "DQ602",
    ChangeKind.PLACEHOLDER: "DQ601",
    ChangeKind.SHIFT: "DQ604",
    ChangeKind.TRUNCATED: "DQ605",
}
#: Values never shown in the report: what identifies a child.
HIDDEN_FIELDS = IDENTITY_FIELDS | {"birth_date"}
HIDDEN = "not shown (personal data): see differences.csv"


def _n(value: int) -> str:
    return f"{value:,}"


def _finding_title(code: str) -> str:
    if code in FINDING_TITLES:
        return FINDING_TITLES[code]
    try:
        return f"{get_rule(code).title} in one extract only"
    except KeyError:
        return code


def _direction(key: str, difference: float | None) -> str:
    """`better`, `worse` or blank, from whether more is better for the indicator."""
    top = key.split(".", 1)[0]
    definition = BY_KEY.get(top)
    if difference is None or difference == 0 or definition is None or definition.higher_is_better is None:
        return ""
    return "better" if (difference > 0) == definition.higher_is_better else "worse"


def _side(result: Reconciliation, side: str, name: str) -> dict[str, Any]:
    info = result.side("old" if side == "old" else "new")
    return {
        "name": name,
        "source": info.source_system or "not stated",
        "date": long_date(info.extract_date) if info.extract_date else "not stated",
        "people": _n(info.rows.get("people", 0)),
        "records": _n(sum(info.rows.values())),
        "rejected": _n(info.rejected_rows),
        "has_rejected": info.rejected_rows > 0,
    }


def _kpis(result: Reconciliation) -> list[dict[str, Any]]:
    moved = {i.key: i.moved for i in result.kpi_impacts or ()}
    rows = []
    for line in result.kpi_lines or ():
        if "_per_month." in f"{line.key}." or line.key.endswith("_per_month"):
            continue  # monthly series are in summary.json; the table keeps to one figure per indicator
        rows.append(
            {
                "key": line.key,
                "label": kpi_label(line.key),
                "old": format_kpi(line.key, line.old),
                "new": format_kpi(line.key, line.new),
                "difference": format_difference(line.key, line.difference),
                "direction": _direction(line.key, line.difference),
                "moved": _n(moved[line.key]) if moved.get(line.key) else "",
                "nested": "." in line.key,
            }
        )
    return rows


def _impacts(result: Reconciliation) -> list[dict[str, Any]]:
    by_key = {i.key: i for i in result.kpi_impacts or ()}
    lines = {line.key: line for line in result.kpi_lines or ()}
    out = []
    for key in HEADLINE_KPIS:
        impact = by_key.get(key)
        if impact is None or not impact.moved:
            continue
        line = lines.get(key)
        out.append(
            {
                "key": key,
                "label": kpi_label(key),
                "old": format_kpi(key, impact.old_value),
                "new": format_kpi(key, impact.new_value),
                "difference": format_difference(key, line.difference if line else None),
                "sentences": impact_sentences(impact, result.artefacts),
                "movers": [
                    {
                        "movement": movement_text(impact, mover.movement, 1).split(" ", 2)[2],
                        "old_id": mover.old_id or "–",
                        "new_id": mover.new_id or "–",
                        "because": causes_text(mover.causes, result.artefacts)
                        if mover.movement not in (Movement.ONLY_IN_OLD, Movement.ONLY_IN_NEW)
                        else "",
                    }
                    for mover in impact.movers[:DRILL_DOWN_ROWS]
                ],
                "movers_total": _n(len(impact.movers)),
                "movers_cut": len(impact.movers) > DRILL_DOWN_ROWS,
            }
        )
    return out


def _sources(result: Reconciliation) -> list[dict[str, str]]:
    out = []
    for table, column, kind, detail, count in result.sources[:15]:
        what = KIND_TEXT[kind]
        if kind is ChangeKind.SHIFT and detail:
            days = int(detail)
            what = f"shifted {abs(days)} day{'s' if abs(days) != 1 else ''} {'later' if days > 0 else 'earlier'}"
        elif kind in (ChangeKind.STAMPED, ChangeKind.PLACEHOLDER) and detail:
            what = f"{what}: {detail}"
        out.append(
            {
                "field": f"{TABLE_NAMES.get(table, table)}: {field_label(table, column)}",
                "column": f"{table}.{column}",
                "what": what,
                "count": _n(count),
                "code": KIND_CODE.get(kind, ""),
            }
        )
    return out


def _findings(result: Reconciliation) -> list[dict[str, Any]]:
    grouped: dict[str, list[dict[str, str]]] = {}
    counts = Counter(f.code for f in result.findings)
    for finding in result.findings:
        rows = grouped.setdefault(finding.code, [])
        if len(rows) < DRILL_DOWN_ROWS:
            detail = finding.detail
            if finding.field in HIDDEN_FIELDS and finding.code in ("DQ601", "DQ602", "DQ604"):
                detail = f"{_finding_title(finding.code)}: the dates are not shown (personal data), see findings.csv"
            rows.append(
                {
                    "table": TABLE_NAMES.get(finding.table, finding.table),
                    "old_id": finding.old_id or "–",
                    "new_id": finding.new_id or "–",
                    "field": finding.field,
                    "detail": detail,
                }
            )
    return [
        {
            "code": code,
            "title": _finding_title(code),
            "count": _n(counts[code]),
            "rows": rows,
            "cut": counts[code] > len(rows),
        }
        for code, rows in sorted(grouped.items())
    ]


def _tables(result: Reconciliation) -> list[dict[str, str]]:
    return [
        {
            "name": TABLE_NAMES.get(table, table),
            "old": _n(c.old_rows),
            "new": _n(c.new_rows),
            "both": _n(c.in_both),
            "only_old": _n(c.only_in_old),
            "only_new": _n(c.only_in_new),
            "differ": _n(c.matched_with_differences),
        }
        for table, c in result.table_counts.items()
        if c.old_rows or c.new_rows
    ]


def _rules(result: Reconciliation) -> list[dict[str, str]]:
    return [
        {"table": TABLE_NAMES.get(table, table), "rule": rule.replace("_", " "), "count": _n(count)}
        for table, rules in result.rules_used().items()
        for rule, count in rules.items()
    ]


def _unmatched(result: Reconciliation) -> dict[str, Any]:
    """One pass over the unmatched records (read from disk for a reconciliation made in parts), keeping the
    counts and the first few of each kind."""
    people: list[Unmatched] = []
    people_total = 0
    examples: list[Unmatched] = []
    by_table: Counter[tuple[str, str]] = Counter()
    for u in result.unmatched:
        if u.table == "people":
            people_total += 1
            if len(people) < DRILL_DOWN_ROWS:
                people.append(u)
            continue
        by_table[(u.table, u.side)] += 1
        if len(examples) < DRILL_DOWN_ROWS:
            examples.append(u)
    tables = sorted({t for t, _ in by_table}, key=list(TABLE_NAMES).index)
    return {
        "people": [{"side": u.side, "record_id": u.record_id, "reason": u.reason} for u in people],
        "people_total": _n(people_total),
        "people_cut": people_total > DRILL_DOWN_ROWS,
        "records": [
            {
                "table": TABLE_NAMES.get(t, t),
                "old": _n(by_table[(t, "old")]),
                "new": _n(by_table[(t, "new")]),
            }
            for t in tables
        ],
        "examples": [
            {
                "side": u.side,
                "table": TABLE_NAMES.get(u.table, u.table),
                "record_id": u.record_id,
                "reason": u.reason,
            }
            for u in examples
        ],
    }


def _differences(result: Reconciliation) -> list[dict[str, str]]:
    rows = []
    for d in result.differences[:DRILL_DOWN_ROWS]:
        hidden = d.field in HIDDEN_FIELDS
        rows.append(
            {
                "table": TABLE_NAMES.get(d.table, d.table),
                "old_id": d.old_id,
                "new_id": d.new_id,
                "field": d.field,
                "old": HIDDEN if hidden else (as_text(d.old_value) or "blank"),
                "new": "" if hidden else (as_text(d.new_value) or "blank"),
            }
        )
    return rows


def report_context(
    result: Reconciliation, *, old_name: str, new_name: str, files: list[str] | None = None
) -> dict[str, Any]:
    """Everything the report shows, as plain strings, lists and dicts (JSON-serialisable)."""
    period = f"{long_date(result.period_from)} to {long_date(result.period_to)}"
    return {
        "old": _side(result, "old", old_name),
        "new": _side(result, "new", new_name),
        "as_of": long_date(result.as_of),
        "period": period,
        "headline": headline(result),
        "tables": _tables(result),
        "rules": _rules(result),
        "kpis": _kpis(result) if result.kpi_lines is not None else None,
        "kpi_note": result.kpi_note,
        "impacts": _impacts(result),
        "sources": _sources(result),
        "findings": _findings(result),
        "unmatched": _unmatched(result),
        "differences": _differences(result),
        "differences_total": _n(len(result.differences)),
        "differences_cut": len(result.differences) > DRILL_DOWN_ROWS,
        "ties_total": _n(len(result.ties)),
        "limit": _n(DRILL_DOWN_ROWS),
        "files": files or [],
    }


# --- rendering --------------------------------------------------------------------------------------

_STATIC_CSS = Path(__file__).resolve().parents[1] / "core" / "static" / "sendtrack" / "app.css"
_URL = re.compile(r"url\([^)]*\)")


def inline_css() -> tuple[str, bool]:
    """The GOV.UK stylesheet the web app uses, for inlining, and whether it was found.

    It is built by `scripts/build-assets.sh`; references to images are removed so the page makes no
    request at all. Without a build, a small fallback stylesheet keeps the report readable.
    """
    try:
        css = _STATIC_CSS.read_text(encoding="utf-8")
    except OSError:
        fallback = Path(__file__).with_name("templates") / "reconciliation" / "fallback.css"
        return fallback.read_text(encoding="utf-8"), False
    return _URL.sub("none", css), True


def render_report(context: dict[str, Any], *, title: str = "Reconciliation") -> str:
    """The self-contained `report.html`: the GOV.UK styles inlined, no script, no request to anywhere.

    Rendered by Django's template engine (the web page includes the same body template), so Django
    settings must be configured; `sendtrack reconcile` sets them up without touching any database.
    """
    from django.template.loader import render_to_string

    css, built = inline_css()
    return render_to_string(
        "reconciliation/report_file.html", {"report": context, "css": css, "css_built": built, "title": title}
    )
