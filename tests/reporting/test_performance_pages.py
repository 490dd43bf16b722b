"""The dashboard, the drill-down, the board view and the board pack, on a generated council.

The dashboard's figures are checked against a computation written here from the extract's CSV files
with nothing but the `csv` module: no sendtrack code is involved in the expected numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse

from sendtrack.accounts.models import Role, User
from sendtrack.domain.kpis import compute_kpis
from sendtrack.records.models import Finding, Person
from sendtrack.spreadsheets.reader import read_extract

pytestmark = pytest.mark.django_db

AS_OF, FIRST, LAST = "2025-06-30", "2024-07-01", "2025-06-30"
PERIOD = {"as_of": AS_OF, "period_from": FIRST, "period_to": LAST, "months": "24"}


def sign_in(client, role: str) -> User:
    user = User.objects.create_user(username=f"user-{role}", password="a long enough password 1")
    user.roles.add(Role.objects.get(code=role))
    client.force_login(user)
    return user


def rows(folder: Path, table: str) -> list[dict[str, str]]:
    with (folder / f"{table}.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def days(a: str, b: str) -> int:
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def independent(folder: Path) -> dict[str, object]:
    """The headline figures from the CSV files with plain Python, straight from kpis.md's definitions."""
    requests = {r["request_id"]: r for r in rows(folder, "requests")}
    in_period = lambda d: bool(d) and FIRST <= d <= LAST  # noqa: E731 - ISO dates compare as text
    decided = [
        r for r in requests.values() if r["request_outcome"] in ("Y", "N") and in_period(r["request_outcome_date"])
    ]
    issued = [
        a for a in rows(folder, "assessments")
        if a["assessment_outcome"] == "Y" and in_period(a["assessment_outcome_date"]) and a["request_id"] in requests
    ]  # fmt: skip
    ex = [a for a in issued if a["week20_exception"] != "1"]
    within = [a for a in ex if days(requests[a["request_id"]]["received_date"], a["assessment_outcome_date"]) <= 140]
    plans = rows(folder, "plans")
    active = [
        p for p in plans
        if (p["transfer_in_date"] or p["start_date"]) <= AS_OF and not (p["cease_date"] and p["cease_date"] <= AS_OF)
    ]  # fmt: skip
    reviews = [r for r in rows(folder, "reviews") if in_period(r["decision_date"]) and r["meeting_date"]]
    per_month = Counter(r["received_date"][:7] for r in requests.values() if in_period(r["received_date"]))
    return {
        "requests_received": sum(1 for r in requests.values() if in_period(r["received_date"])),
        "requests_decided": len(decided),
        "request_decisions_within_6_weeks_pc": round(
            100 * sum(days(r["received_date"], r["request_outcome_date"]) <= 42 for r in decided) / len(decided), 1
        ),
        "plans_issued": len(issued),
        "plans_issued_ex": len(ex),
        "plans_issued_within_20_weeks_ex_pc": round(100 * len(within) / len(ex), 1),
        "active_plans": len(active),
        "review_decisions": len(reviews),
        "review_decisions_within_4_weeks_pc": round(
            100 * sum(days(r["meeting_date"], r["decision_date"]) <= 28 for r in reviews) / len(reviews), 1
        ),
        "requests_per_month": dict(per_month),
    }


def test_the_dashboard_shows_the_figures_an_independent_computation_from_the_csv_files_gives(client, loaded):
    sign_in(client, "head_of_service")
    response = client.get(reverse("reporting:dashboard"), PERIOD)
    assert response.status_code == 200
    data = response.context["data"]
    expected = independent(loaded.path)
    for key, value in expected.items():
        if key == "requests_per_month":
            continue
        assert data.values[key] == pytest.approx(value, abs=0.05), key
    shown = {m.month: m.values["requests_received"] for m in data.months if FIRST[:7] <= m.month <= LAST[:7]}
    assert {k: v for k, v in shown.items() if v} == expected["requests_per_month"]
    # ... and every figure equals compute_kpis run on the extract read from the same files.
    from_files = compute_kpis(read_extract(loaded.path).extract.tables, as_of=dt.date(2025, 6, 30),
                              period_from=dt.date(2024, 7, 1), period_to=dt.date(2025, 6, 30))  # fmt: skip
    assert data.values == from_files.flat()
    previous = compute_kpis(read_extract(loaded.path).extract.tables, as_of=data.previous_to,
                            period_from=data.previous_from, period_to=data.previous_to)  # fmt: skip
    assert data.previous_values == previous.flat()
    html = response.content.decode()
    assert f"{expected['plans_issued_within_20_weeks_ex_pc']:.1f}%" in html


def test_each_month_on_the_trend_is_the_figure_for_that_month(client, loaded):
    sign_in(client, "performance_analyst")
    data = client.get(reverse("reporting:dashboard"), PERIOD).context["data"]
    tables = read_extract(loaded.path).extract.tables
    for month in data.months[-3:]:
        direct = compute_kpis(tables, as_of=data.as_of, period_from=month.period_from, period_to=month.period_to)
        assert month.values["plans_issued_within_20_weeks_ex_pc"] == direct.values["plans_issued_within_20_weeks_ex_pc"]
        at_end = compute_kpis(tables, as_of=month.period_to, period_from=month.period_from, period_to=month.period_to)
        assert month.stock["open_assessments"] == at_end.values["open_assessments"]


def test_a_cached_dashboard_is_served_in_a_few_queries_and_refreshed_when_data_changes(
    client, loaded, django_assert_max_num_queries
):
    from sendtrack.records.services import record_save

    sign_in(client, "head_of_service")
    url = reverse("reporting:dashboard")
    first = client.get(url, PERIOD).context["data"]
    with django_assert_max_num_queries(12):  # session, user, roles, settings, the data version: no figures
        assert client.get(url, PERIOD).context["data"] == first
    request = next(r for r in rows(loaded.path, "requests") if FIRST <= r["received_date"] <= LAST)
    row = read_extract(loaded.path).extract.tables["requests"]
    typed = next(r for r in row if r["request_id"] == request["request_id"])
    record_save(table="requests", row={**typed, "received_date": dt.date(2023, 1, 2)}, by=None, reason="test")
    again = client.get(url, PERIOD).context["data"]
    assert again.values["requests_received"] == first.values["requests_received"] - 1


def test_every_number_on_the_dashboard_links_to_the_cases_behind_it(client, loaded):
    sign_in(client, "team_manager")
    response = client.get(reverse("reporting:dashboard"), PERIOD)
    tile = next(t for t in response.context["tiles"] if t.key == "plans_issued_within_20_weeks_ex_pc")
    links = set(re.findall(r'href="(/reports/dashboard/cases/\?[^"]+)"', response.content.decode()))
    assert len(links) > 200
    missed = client.get(tile.missed_url.replace("&amp;", "&"))
    assert missed.status_code == 200
    assert missed.context["page"].paginator.count == tile.sizes.denominator - tile.sizes.numerator
    assert missed.context["rows"][0]["person_url"].startswith("/cases/people/")


def test_a_drill_down_page_reads_its_records_in_a_fixed_number_of_queries(
    client, loaded, django_assert_max_num_queries
):
    sign_in(client, "caseworker")
    url = reverse("reporting:cases")
    query = {"kpi": "active_plans", "as_of": AS_OF, "from": FIRST, "to": LAST}
    with django_assert_max_num_queries(40):
        response = client.get(url, query)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 50
    assert response.context["page"].paginator.count == response.context["listing"].total_denominator


def test_a_drill_down_by_group_lists_only_that_group(client, loaded):
    sign_in(client, "performance_analyst")
    data = client.get(reverse("reporting:dashboard"), PERIOD).context["data"]
    group = data.breakdowns["active_plans"]["team"][0]
    response = client.get(reverse("reporting:cases"), {"kpi": "active_plans", "as_of": AS_OF, "from": FIRST, "to": LAST,
                                                        "dim": "team", "group": group.label})  # fmt: skip
    assert response.context["page"].paginator.count == group.denominator


def test_an_unknown_figure_is_a_clear_error(client, db):
    sign_in(client, "auditor")
    response = client.get(reverse("reporting:cases"), {"kpi": "plans_issued_on_a_whim"})
    assert response.status_code == 400
    assert "There is no figure called ‘plans_issued_on_a_whim’" in response.content.decode()


def test_a_period_that_ends_before_it_starts_is_refused_on_the_form(client, db):
    sign_in(client, "head_of_service")
    response = client.get(reverse("reporting:dashboard"), {"period_from": "2025-05-01", "period_to": "2025-01-01"})
    assert response.status_code == 200
    assert "The start of the period must be on or before its end" in response.content.decode()
    assert "data" not in response.context


def test_data_confidence_counts_records_with_open_errors_in_each_denominator(client, loaded):
    sign_in(client, "head_of_service")
    first = client.get(reverse("reporting:dashboard"), PERIOD)
    tile = next(t for t in first.context["tiles"] if t.key == "plans_issued_within_20_weeks_ex_pc")
    assert tile.confidence.flagged == 0
    from sendtrack.reporting.performance.cases import case_list

    ids = case_list(key=tile.key, as_of=dt.date(2025, 6, 30), first=dt.date(2024, 7, 1), last=dt.date(2025, 6, 30),
                    part="denominator").ids  # fmt: skip
    common = {"code": "DQ201", "table": "assessments", "message": "test", "first_seen": dt.date(2025, 1, 1),
              "last_seen": dt.date(2025, 6, 1)}  # fmt: skip
    Finding.objects.create(record_id=ids[0], severity="error", **common)
    Finding.objects.create(record_id=ids[1], severity="error", resolved_on=dt.date(2025, 3, 1), **common)
    Finding.objects.create(record_id=ids[2], severity="warning", **common)
    Finding.objects.create(record_id=ids[3], severity="error", **{**common, "first_seen": dt.date(2025, 7, 1)})
    again = client.get(reverse("reporting:dashboard"), PERIOD)
    tile = next(t for t in again.context["tiles"] if t.key == "plans_issued_within_20_weeks_ex_pc")
    assert (tile.confidence.flagged, tile.confidence.total) == (1, tile.sizes.denominator)
    assert f"1 of {tile.sizes.denominator} with data errors" in again.content.decode()
    listing = client.get(tile.denominator_url.replace("&amp;", "&"))
    assert sum(r["error"] for r in listing.context["rows"]) == 1


# --- councillors: aggregates only ----------------------------------------------------------------------


def test_a_councillor_sees_the_board_view_with_no_personal_data_and_no_route_to_a_child(client, loaded):
    sign_in(client, "councillor")
    response = client.get(reverse("reporting:board"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/reports/dashboard/cases/" not in html
    assert "/cases/" not in html
    people = list(Person.objects.values_list("person_id", "surname", "forename"))
    for person_id, surname, forename in people:
        assert person_id not in html
        assert f">{surname}<" not in html
        assert f"{forename} {surname}" not in html
    for plan_id in re.findall(r"EHCP\d+|RQ\d+|AS\d+", html):
        pytest.fail(f"a record key is on the councillor's page: {plan_id}")
    for name in ("reporting:dashboard", "reporting:cases", "reporting:indicators", "reporting:benchmarks"):
        assert client.get(reverse(name), PERIOD).status_code == 403, name
    person_id = people[0][0]
    assert client.get(f"/cases/people/{person_id}/").status_code in (403, 404)


def test_the_board_view_suppresses_small_numbers(client, loaded):
    sign_in(client, "councillor")
    context = client.get(reverse("reporting:board"), {**PERIOD, "period_from": "2025-06-01"}).context
    shown = {t["key"]: t["value"] for t in context["tiles"]}
    data = context["data"]
    for key, value in shown.items():
        raw, sizes = data.values.get(key), data.sizes.get(key)
        averaged = key.endswith("_pc") or key == "median_weeks_to_issue"  # a share or median of under 10: hidden
        if averaged and sizes and sizes.denominator < 10 and raw is not None:
            assert value == "c", key
        elif isinstance(raw, int) and 1 <= raw <= 5:
            assert value == "c", key
        else:
            assert value == raw, key
    assert any(v == "c" for v in shown.values())
    text = " ".join(context["commentary"])
    assert not re.search(r"(?<!and )\b[1-5] (requests|new EHC plans|of them|annual reviews)\b", text)


def test_the_board_pack_is_a_pdf_with_its_charts(client, loaded):
    from weasyprint import HTML

    from sendtrack.reporting.performance.board_pack import render_html
    from sendtrack.reporting.performance.views import board_context

    sign_in(client, "councillor")
    response = client.get(reverse("reporting:board-pack"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="board-pack-2025-06-30.pdf"' in response["Content-Disposition"]
    period = {"as_of": dt.date(2025, 6, 30), "period_from": dt.date(2024, 7, 1), "period_to": dt.date(2025, 6, 30),
              "months": 24}  # fmt: skip
    html = render_html(board_context(period))
    assert html.count("<svg") >= 10
    assert html.count("<table") >= html.count("<svg")  # a data table beside every chart
    assert "Compared with England" in html
    assert "What changed" in html
    assert "About the data" in html
    assert len(HTML(string=html).render().pages) >= 4


def test_sendtrack_board_pack_writes_the_pdf(loaded, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from sendtrack.cli import cli

    monkeypatch.setattr("sendtrack.cli.django_setup.setup", lambda: None)
    out = tmp_path / "pack.pdf"
    result = CliRunner().invoke(cli, ["board-pack", "--as-of", AS_OF, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    wrong = CliRunner().invoke(cli, ["board-pack", "--out", str(tmp_path / "pack.docx")])
    assert wrong.exit_code == 2
    assert "ending .pdf" in wrong.output


def test_the_open_work_table_for_councillors_never_leaves_one_hidden_part_beside_its_total():
    from sendtrack.reporting.performance.dashboard import DashboardData
    from sendtrack.reporting.performance.presenters import funnel_view

    day = dt.date(2025, 6, 30)
    funnel = [("0-6", 3, 40), ("6-16", 0, 12), ("16-20", 2, 4), ("20-52", 30, 0), ("52+", 0, 0)]
    data = DashboardData(day, day, day, day, day, {}, {}, {}, {}, {}, [], [], {}, funnel)
    rows = [[c["text"] for c in row[1:]] for row in funnel_view(data, links=False, threshold=5).rows]
    assert rows == [["c", "c", "43"], ["0", "12", "12"], ["c", "c", "6"], ["30", "0", "30"], ["0", "0", "0"]]
    assert all(c["url"] == "" for row in funnel_view(data, links=False, threshold=5).rows for c in row)


def test_an_old_request_whose_assessment_is_still_open_is_grouped_by_its_team_not_as_not_recorded(loaded):
    """The overdue final plans are broken down by the request's team and child: the dashboard must read the request
    even when it was received and decided long before every period it shows."""
    from sendtrack.records import services
    from sendtrack.records.models import Assessment
    from sendtrack.records.selectors import table_rows
    from sendtrack.reporting.performance.dashboard import build

    open_assessment = Assessment.objects.filter(assessment_outcome="A", request__caseworker__isnull=False)
    request_id = open_assessment.values_list("request_id", flat=True).first()
    assert request_id, "the council must have an assessment still open"
    row = next(r for r in table_rows("requests") if r["request_id"] == request_id)
    old = {**row, "received_date": dt.date(2020, 3, 2), "request_outcome": "Y",
           "request_outcome_date": dt.date(2020, 4, 13), "withdrawn_date": None}  # fmt: skip
    services.record_save(table="requests", row=old, by=None, reason="an old request")
    data = build(as_of=dt.date(2025, 6, 30), period_from=dt.date(2024, 7, 1), period_to=dt.date(2025, 6, 30), months=24)
    by_team = {group.label: group.numerator for group in data.breakdowns["overdue_final_plans"]["team"]}
    assert sum(by_team.values()) == data.values["overdue_final_plans"] >= 1
    assert "Not recorded" not in by_team
