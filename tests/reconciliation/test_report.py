"""The report's context and page: figures formatted for people, children's details never shown."""

from __future__ import annotations

import pytest

from sendtrack.domain.reconciliation import reconcile
from sendtrack.reconciliation import report as report_module
from sendtrack.reconciliation.report import render_report, report_context
from tests.domain.reconciliation.builders import D, council, renumbered, row

AS_OF, FROM, TO = D(2025, 1, 31), D(2024, 1, 1), D(2024, 12, 31)


@pytest.fixture
def result():
    old = council(4)
    new = renumbered(old)
    row(new, "people", person_id="N-P1").update(surname="Surname1-Changed", birth_date=D(1900, 1, 1), uln="9876543210")
    row(new, "requests", request_id="N-R2")["received_date"] = D(2023, 12, 4)  # plan 2 now outside 20 weeks
    return reconcile(old, new, as_of=AS_OF, period_from=FROM, period_to=TO)


def test_identity_values_are_counted_but_never_shown(result):
    context = report_context(result, old_name="legacy", new_name="new")
    html = render_report(context)
    assert "Surname1-Changed" not in html
    assert "2010-01-01" not in html  # person 1's real birth date
    birth = next(g for g in context["findings"] if g["code"] == "DQ601")["rows"][0]
    assert birth["field"] == "birth_date"
    assert "not shown (personal data)" in birth["detail"]
    hidden = [d for d in context["differences"] if d["field"] in ("surname", "birth_date", "upn")]
    assert hidden
    assert all(d["old"].startswith("not shown") for d in hidden)


def test_the_figures_are_formatted_and_a_fall_in_a_rate_is_marked_worse(result):
    context = report_context(result, old_name="legacy", new_name="new")
    line = next(k for k in context["kpis"] if k["key"] == "plans_issued_within_20_weeks_ex_pc")
    assert (line["old"], line["new"], line["difference"], line["direction"]) == ("100.0%", "75.0%", "-25.0 points",
                                                                                "worse")  # fmt: skip
    assert line["moved"] == "1"
    impact = next(i for i in context["impacts"] if i["key"] == "plans_issued_within_20_weeks_ex_pc")
    assert impact["sentences"] == [
        "1 plan moved from within to outside 20 weeks: because the request's received date changed."
    ]
    assert impact["movers"] == [
        {
            "movement": "moved from within to outside 20 weeks",
            "old_id": "A2",
            "new_id": "N-A2",
            "because": "the request's received date changed",
        }  # fmt: skip
    ]
    assert context["period"] == "1 January 2024 to 31 December 2024"
    assert context["as_of"] == "31 January 2025"


def test_without_the_built_stylesheet_the_report_says_so_and_stays_readable(result, monkeypatch, tmp_path):
    monkeypatch.setattr(report_module, "_STATIC_CSS", tmp_path / "missing.css")
    html = render_report(report_context(result, old_name="a", new_name="b"))
    assert "The GOV.UK stylesheet was not built" in html
    assert ".govuk-table{" in html


def test_a_reconciliation_without_kpis_says_why(result):
    old = council(1)
    quiet = reconcile(old, renumbered(old), as_of=AS_OF, kpis=None)
    html = render_report(report_context(quiet, old_name="a", new_name="b"))
    assert "The figures were not compared: KPIs were not asked for." in html
    assert "Every record has a match." in html
    assert "No matched record differs in any field." in html
