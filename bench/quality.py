"""Benchmark the data-quality rules over the largest council, and one case's re-check after an edit.

    .venv/bin/python bench/quality.py [--people 25000] [--seed 1] [--repeat 3] [--synthetic]
    .venv/bin/python bench/quality.py --accuracy [--people 25000] [--seed 1] [--rate 0.01]

Targets (issue 7): every rule over 25,000 people (~300,000 rows) in under 30 s; one case's own rules
re-checked in under 100 ms. Uses `sendtrack.generator.generate_extract` when it exists (a realistic
council), else (or with `--synthetic`) a synthetic council built here with the same tables and a
sprinkling of faults, so the rules find something to report.

`--accuracy` checks the two accuracy targets on generated councils instead of timing: a clean
council raises no error-severity finding, and after `sendtrack.generator.faults.inject_faults` every
fault in the manifest is found under its code, table and record (recall 100%).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from sendtrack.domain.quality import Dataset, all_rules, run_case_rules, run_rules  # noqa: E402

Row = dict[str, Any]
AS_OF = dt.date(2025, 1, 17)


def _upn(rng: random.Random) -> str:
    from sendtrack.domain.quality import upn_check_letter

    body = f"938{rng.randint(0, 9999):04d}{rng.randint(10, 24):02d}{rng.randint(0, 999):03d}"
    return (upn_check_letter(body) or "A") + body


def synthetic_council(people: int, seed: int) -> dict[str, list[Row]]:
    """A synthetic council shaped like a large English LA: ~14 rows per person, a few faults."""
    rng = random.Random(seed)
    tables: dict[str, list[Row]] = {name: [] for name in (
        "caseworkers", "people", "requests", "assessments", "advice", "plans", "placements", "needs", "reviews",
        "phase_transfers",
    )}  # fmt: skip
    teams = ["North", "South", "East", "West", "Post-16"]
    for n in range(120):
        tables["caseworkers"].append(
            {"caseworker_id": f"CW{n:03d}", "name": f"Caseworker {n}", "team": teams[n % 5], "fte": 1, "active": True}
        )
    for p in range(people):
        _add_case(tables, rng, p)
    _sprinkle_faults(tables, rng)
    return tables


DAY = dt.timedelta(days=1)
NEEDS = ["ASD", "SLCN", "SEMH", "MLD", "SPLD", "PD", "HI", "VI", "SLD", "PMLD", "MSI", "OTH", "DS"]


def _add_case(tables: dict[str, list[Row]], rng: random.Random, p: int) -> None:
    """One person, their request and, as far as it got by the as-of date, assessment, advice and plan."""
    pid, cw = f"P{p:06d}", f"CW{rng.randrange(120):03d}"
    birth = dt.date(2001, 1, 1) + rng.randrange(365 * 22) * DAY
    tables["people"].append({
        "person_id": pid, "upn": _upn(rng), "uln": None, "upn_unknown": None, "surname": f"Surname{p % 7919}",
        "forename": f"Forename{p % 211}", "birth_date": birth, "sex": "MF"[p % 2], "ethnicity": "WBRI",
        "postcode": f"SF{p % 40} {p % 10}AB",
    })  # fmt: skip
    received = max(birth + 700 * DAY, dt.date(2016, 1, 1)) + rng.randrange(2500) * DAY
    if received > AS_OF - 30 * DAY:
        received = max(birth + 700 * DAY, AS_OF - rng.randrange(30, 3000) * DAY)
    if received > AS_OF - 30 * DAY:  # a toddler: a recent request
        received = AS_OF - rng.randrange(1, 30) * DAY
    rid = f"R{p:06d}"
    decided = received + rng.randrange(20, 50) * DAY
    still_open = decided > AS_OF
    tables["requests"].append({
        "request_id": rid, "person_id": pid, "received_date": received,
        "request_source": rng.choice("11112222333445"), "rya": False, "request_outcome": "A" if still_open else "Y",
        "request_outcome_date": None if still_open else decided, "withdrawn_date": None,
        "decision_exception": None, "request_mediation": False, "request_tribunal": False, "exported": False,
        "caseworker_id": cw,
    })  # fmt: skip
    if still_open:
        return
    aid, issued = f"A{p:06d}", received + rng.randrange(100, 200) * DAY
    done = issued <= AS_OF
    tables["assessments"].append({
        "assessment_id": aid, "request_id": rid, "assessment_outcome": "Y" if done else "A",
        "assessment_outcome_date": issued if done else None, "draft_plan_date": issued - 20 * DAY if done else None,
        "issue_decision_date": None, "week20_exception": False, "exception_reason": None,
    })  # fmt: skip
    for k, kind in enumerate(("educational_psychology", "health", "social_care")):
        asked = decided + (k + 1) * DAY
        back = asked + rng.randrange(20, 60) * DAY
        if asked <= AS_OF:
            tables["advice"].append({
                "advice_id": f"V{p:06d}{k}", "assessment_id": aid, "advice_type": kind, "requested_date": asked,
                "received_date": back if back <= AS_OF else None, "exception_reason": None,
            })  # fmt: skip
    if done:
        _add_plan(tables, rng, p, pid, aid, issued, cw)


def _add_plan(tables: dict[str, list[Row]], rng: random.Random, p: int, pid: str, aid: str, issued: dt.date,
              cw: str) -> None:  # fmt: skip
    """A plan issued on `issued`, with its placements, needs, annual reviews and perhaps a phase transfer."""
    plid = f"PL{p:06d}"
    cease = issued + rng.randrange(200, 900) * DAY if rng.random() < 0.1 else None
    if cease is not None and cease > AS_OF:
        cease = None
    tables["plans"].append({
        "plan_id": plid, "person_id": pid, "assessment_id": aid, "start_date": issued, "transfer_la": None,
        "transfer_in_date": None, "last_review_before_transfer": None, "cease_date": cease,
        "cease_reason": str(rng.randint(1, 8)) if cease else None, "caseworker_id": cw,
    })  # fmt: skip
    urn = f"1{rng.randrange(99999):05d}"
    tables["placements"].append({"plan_id": plid, "kind": "named", "placement_rank": "1", "urn": urn})
    tables["placements"].append(
        {"plan_id": plid, "kind": "attended", "placement_rank": "1", "urn": urn, "entry_date": issued + 3 * DAY}
    )
    tables["needs"].append({"plan_id": plid, "sen_type": rng.choice(NEEDS), "sen_type_rank": "1"})
    if rng.random() < 0.5:
        tables["needs"].append({"plan_id": plid, "sen_type": rng.choice(NEEDS), "sen_type_rank": "2"})
    meeting = issued + 330 * DAY
    for r in range(8):
        if meeting + 40 * DAY > (cease or AS_OF):
            break
        decision = meeting + rng.randrange(7, 40) * DAY
        tables["reviews"].append({
            "review_id": f"RV{p:06d}{r}", "plan_id": plid, "meeting_date": meeting, "decision_date": decision,
            "outcome": "M", "amendment_notice_date": None, "amended_plan_date": None,
        })  # fmt: skip
        meeting = decision + 330 * DAY
    if cease is None and rng.random() < 0.15:
        tables["phase_transfers"].append({
            "plan_id": plid, "transfer_date": dt.date(AS_OF.year + 1, 9, 1), "transfer_kind": "school",
            "final_plan_date": None,
        })  # fmt: skip


def _sprinkle_faults(tables: dict[str, list[Row]], rng: random.Random) -> None:
    """About one record in two hundred gets a fault, so the benchmark also times building findings."""
    for row in rng.sample(tables["people"], len(tables["people"]) // 200):
        row["upn"] = "A" + row["upn"][1:] if row["upn"][0] != "A" else "B" + row["upn"][1:]
    for row in rng.sample(tables["requests"], len(tables["requests"]) // 200):
        row["caseworker_id"] = None
    for row in rng.sample(tables["reviews"], len(tables["reviews"]) // 200):
        row["decision_date"] = row["meeting_date"] - dt.timedelta(days=3)
    migration_day = dt.date(2023, 3, 14)
    for row in rng.sample(tables["requests"], 150):
        row["received_date"] = migration_day


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def load_council(people: int, seed: int, synthetic: bool) -> tuple[str, dict[str, list[Row]], dt.date]:
    if not synthetic:
        try:
            from sendtrack.generator import generate_extract  # type: ignore[attr-defined]
        except ImportError:
            pass
        else:
            extract = generate_extract(people=people, seed=seed, as_of=AS_OF)
            meta = getattr(extract, "meta", None)
            as_of = getattr(meta, "extract_date", AS_OF)
            return "sendtrack.generator.generate_extract", extract.tables, as_of
    return "bench/quality.py synthetic_council", synthetic_council(people, seed), AS_OF


def accuracy(people: int, seed: int, rate: float) -> int:
    """Clean council: no error-severity finding. Faulted council: every manifest fault found (exit 1 if not)."""
    from sendtrack.generator import generate_extract
    from sendtrack.generator.faults import inject_faults

    extract = generate_extract(people=people, seed=seed, as_of=AS_OF)
    as_of = extract.meta.extract_date
    clean = run_rules(Dataset.from_tables(extract.tables), as_of=as_of, extract_date=as_of)
    errors = [f for f in clean if f.severity.value == "error"]
    by_code = Counter(f"{f.code} {f.severity.value}" for f in clean)
    print(f"clean council, {people:,} people, seed {seed}: {len(errors)} error-severity findings; all findings: "
          + ", ".join(f"{k} {n}" for k, n in sorted(by_code.items())))  # fmt: skip
    manifest = inject_faults(extract, rate=rate, seed=seed)
    findings = run_rules(Dataset.from_tables(extract.tables), as_of=as_of, extract_date=as_of)
    found = {(f.code, f.table, f.record_id) for f in findings}
    wanted = {(m.code, m.table, m.record_id) for m in manifest}
    missed = sorted(wanted - found)
    codes = sorted({code for code, _, _ in wanted})
    print(
        f"faulted council, rate {rate}: {len(wanted):,} injected faults over {len(codes)} codes, "
        f"{len(wanted) - len(missed):,} found (recall {100 * (len(wanted) - len(missed)) / len(wanted):.1f}%)"
    )
    for code, table, record in missed[:20]:
        print(f"  missed {code} {table} {record}")
    return 0 if not errors and not missed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="full runs to time (the best is reported)")
    parser.add_argument("--cases", type=int, default=500, help="people whose case re-check is timed")
    parser.add_argument("--synthetic", action="store_true", help="use the built-in synthetic council")
    parser.add_argument("--accuracy", action="store_true", help="check recall and clean-council errors instead")
    parser.add_argument("--rate", type=float, default=0.01, help="fault rate for --accuracy")
    args = parser.parse_args(argv)
    if args.accuracy:
        return accuracy(args.people, args.seed, args.rate)

    build_s, (source, tables, as_of) = _timed(lambda: load_council(args.people, args.seed, args.synthetic))
    rows = sum(len(v) for k, v in tables.items() if k != "extract")
    print(f"machine: {machine()}")
    print(f"data: {source}, {args.people:,} people, {rows:,} rows, as of {as_of} (built in {build_s:.1f} s)")

    runs = []
    findings: list[Any] = []
    for _ in range(args.repeat):
        index_s, dataset = _timed(lambda: Dataset.from_tables(tables))
        rules_s, findings = _timed(lambda ds=dataset: run_rules(ds, as_of=as_of, extract_date=as_of))
        runs.append((index_s + rules_s, index_s, rules_s))
    total_s, index_s, rules_s = min(runs)
    print(f"all {len(all_rules())} rules: {total_s:.2f} s (index {index_s:.2f} s + rules {rules_s:.2f} s), "
          f"best of {args.repeat}; {len(findings):,} findings")  # fmt: skip
    by_code = Counter(f.code for f in findings)
    print("findings by code: " + ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())))

    per_rule = []
    for rule in all_rules():
        seconds, _ = _timed(lambda code=rule.code: run_rules(dataset, as_of=as_of, extract_date=as_of, codes=[code]))
        per_rule.append((seconds, rule.code))
    print("slowest rules: " + ", ".join(f"{code} {s * 1000:.0f} ms" for s, code in sorted(per_rule, reverse=True)[:5]))

    rng = random.Random(args.seed)
    people = rng.sample(dataset.person_ids(), min(args.cases, len(dataset.person_ids())))
    slice_times, check_times = [], []
    for person_id in people:
        slice_s, one = _timed(lambda pid=person_id: dataset.for_person(pid))
        check_s, _ = _timed(lambda one=one: run_case_rules(one, as_of=as_of, extract_date=as_of))
        slice_times.append(slice_s)
        check_times.append(slice_s + check_s)
    ms = sorted(t * 1000 for t in check_times)
    print(f"case re-check (slice one person + run the {sum(1 for r in all_rules() if r.scope.value == 'case')} "
          f"case rules), {len(ms)} people: median {statistics.median(ms):.2f} ms, "
          f"p99 {ms[int(len(ms) * 0.99) - 1]:.2f} ms, max {ms[-1]:.2f} ms")  # fmt: skip
    ok = total_s < 30 and ms[-1] < 100
    print("targets (< 30 s all rules, < 100 ms one case): " + ("met" if ok else "NOT MET"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
