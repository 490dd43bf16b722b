"""Benchmark the auditor's change-history search, a merge and its undo, and alias mapping on load, over the largest
council (25,000 people).

    .venv/bin/python bench/administration.py [--people 25000] [--seed 1] [--repeat 7] [--database sqlite|postgres]

Generates a council with `sendtrack.generator.generate_extract`, loads it through `records.services.
extract_apply` into a fresh database (a temporary SQLite file, or the PostgreSQL database
`sendtrack_bench_admin` at 127.0.0.1:5432), so that every record has its history row from the load (about
270,000 history rows over the 12 audited tables). Then times, as the server sees them (the whole request
through Django, signed in as an auditor): the change-history page unfiltered, by child, by record, by user,
by date range, and a deep page; the CSV of one child's changes; a merge of two records and its undo; and
`records.merge.extract_aliases_apply` over the whole extract with 100 merged-away keys. Target: every audit
page in under 1 s server time (median), so that "who changed this child's request date, and when?" is
answered in well under a minute. The baseline, measured in the same run, is the administration index page:
each figure is also given as a ratio to it.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import fresh_database, machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
AS_OF = dt.date(2026, 11, 26)
TARGET_MS = 1000.0


def timed(fn, repeat: int) -> list[float]:
    fn()  # warm up
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:  # noqa: C901 - a script that times one thing after another
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="sendtrack-bench-admin-")
    os.environ["DATABASE_URL"] = fresh_database(args.database, folder, "admin")
    os.environ["DJANGO_SETTINGS_MODULE"] = "sendtrack.config.settings.local"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # so the test client keeps each response's context (the count of changes)
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    from sendtrack.accounts.models import Role, User
    from sendtrack.core.models import service_settings
    from sendtrack.generator import generate_extract
    from sendtrack.records import merge
    from sendtrack.records.models import Person, Plan, Request
    from sendtrack.records.services import extract_apply

    start = time.perf_counter()
    extract = generate_extract(people=args.people, seed=args.seed, as_of=AS_OF)
    extract_apply(extract=extract, by=None, reason="bench")
    load_s = time.perf_counter() - start
    print(f"machine: {machine()}; database: {args.database}")
    print(f"data: generate_extract({args.people:,} people, seed {args.seed}), {extract.count():,} rows, "
          f"loaded in {load_s:.0f} s")  # fmt: skip
    service_settings()

    auditor = User.objects.create_user(username="audrey", password="a long enough password 1")
    auditor.roles.add(*Role.objects.filter(code__in=["auditor", "administrator"]))
    client = Client()
    client.force_login(auditor)

    busiest = Request.objects.values("person_id").annotate(n=Count("request_id")).order_by("-n", "person_id").first()
    person_id = busiest["person_id"]
    request_id = Request.objects.filter(person_id=person_id).values_list("request_id", flat=True).first()
    url = reverse("administration:audit-changes")
    baseline = statistics.median(timed(lambda: client.get(reverse("administration:index")), args.repeat))
    print(f"baseline (the administration index page): median {baseline:.1f} ms")
    searches = {
        "everything, page 1": {},
        "everything, page 500": {"page": "500"},
        f"one child ({person_id}), all records": {"person": person_id},
        "one child, requests only": {"person": person_id, "kind": "requests"},
        f"one record ({request_id})": {"record": request_id},
        "one user (no changes)": {"user": "nobody"},
        "one day": {"date_from-day": str(dt.date.today().day), "date_from-month": str(dt.date.today().month),
                    "date_from-year": str(dt.date.today().year)},
    }  # fmt: skip
    print(f"{'audit search':<42} {'changes':>8} {'median ms':>10} {'max ms':>8} {'x baseline':>11}")
    worst = 0.0
    for label, query in searches.items():
        response = client.get(url, query)
        assert response.status_code == 200, (label, response.status_code)
        count = response.context["page"].paginator.count if response.context.get("page") else 0
        times = timed(lambda q=query: client.get(url, q), args.repeat)
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{label:<42} {count:>8,} {median:>10.1f} {max(times):>8.1f} {median / baseline:>11.1f}")
    csv_url = reverse("administration:audit-changes-csv")
    times = timed(lambda: b"".join([client.get(csv_url, {"person": person_id}).content]), args.repeat)
    print(f"{'CSV of one child changes':<42} {'':>8} {statistics.median(times):>10.1f} {max(times):>8.1f} "
          f"{statistics.median(times) / baseline:>11.1f}")  # fmt: skip

    # A merge and its undo: two people without plans active on a common day.
    with_plans = set(Plan.objects.values_list("person_id", flat=True))
    pair = list(Person.objects.exclude(pk__in=with_plans).filter(requests__isnull=False).distinct().order_by("pk")[:2])
    merge_ms, undo_ms = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        done = merge.person_merge(survivor_id=pair[0].pk, merged_id=pair[1].pk, choices={}, by=auditor)
        merge_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        merge.person_merge_undo(merge_id=done.pk, by=auditor)
        undo_ms.append((time.perf_counter() - start) * 1000)
    print(f"merge of two records (service): median {statistics.median(merge_ms):.1f} ms; "
          f"undo: median {statistics.median(undo_ms):.1f} ms")  # fmt: skip

    # Alias mapping on load: 100 people merged away, the whole extract rewritten.
    candidates = list(Person.objects.exclude(pk__in=with_plans).order_by("pk").values_list("pk", flat=True)[: 2 * 100])
    for survivor, merged_away in zip(candidates[::2], candidates[1::2], strict=False):
        merge.person_merge(survivor_id=survivor, merged_id=merged_away, choices={}, by=None)
    times = []
    for _ in range(args.repeat):
        copy_ = copy.deepcopy(extract)
        start = time.perf_counter()
        notes = merge.extract_aliases_apply(copy_)
        times.append((time.perf_counter() - start) * 1000)
    print(f"extract_aliases_apply over {extract.count():,} rows with 100 aliases: median "
          f"{statistics.median(times):.1f} ms ({len(notes)} notes)")  # fmt: skip
    ok = worst < TARGET_MS
    print(f"target (every audit page < {TARGET_MS:.0f} ms server time, median): {'met' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
