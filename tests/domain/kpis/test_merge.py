"""`merge_kpi_results`: the KPIs of an extract split by child add up to the KPIs of the whole extract."""

from __future__ import annotations

import datetime as dt

import pytest

from sendtrack.domain.kpis import compute_kpis
from sendtrack.domain.kpis.merge import merge_kpi_results, merged_order
from sendtrack.domain.quality import Dataset
from sendtrack.generator.core import generate_extract

AS_OF = dt.date(2025, 6, 30)
PERIODS = [(dt.date(2024, 7, 1), dt.date(2025, 6, 30)), (dt.date(2025, 3, 1), dt.date(2025, 3, 31))]


@pytest.fixture(scope="module")
def council():
    return generate_extract(people=500, seed=5, as_of=AS_OF).tables


def _split(tables, parts):
    """The council in `parts` parts by child (the records of a child together), every caseworker in each."""
    ds = Dataset.from_tables(tables)
    out = [{name: [] for name in tables} for _ in range(parts)]
    for index, person in enumerate(tables["people"]):
        one = ds.for_person(str(person["person_id"]))
        for name, rows in one.tables.items():
            if name != "caseworkers":
                out[index % parts][name].extend(rows)
    for part in out:
        part["caseworkers"] = list(tables["caseworkers"])
    return out


@pytest.mark.parametrize("parts", [1, 3, 17])
@pytest.mark.parametrize(("period_from", "period_to"), PERIODS)
def test_the_parts_add_up_to_the_whole(council, parts, period_from, period_to):
    dates = {"as_of": AS_OF, "period_from": period_from, "period_to": period_to}
    whole = compute_kpis(council, **dates)
    merged = merge_kpi_results([compute_kpis(part, **dates) for part in _split(council, parts)])
    assert merged.values == whole.values
    assert list(merged.flat()) == list(whole.flat())  # the same figures in the same order, nested alike
    assert merged.exact == whole.exact
    assert sorted(merged.issue_days) == sorted(whole.issue_days)
    assert whole.values["plans_issued"] > 0  # the test has figures to add up


def test_a_part_with_no_plans_issued_leaves_the_median_to_the_others(council):
    dates = {"as_of": AS_OF, "period_from": PERIODS[0][0], "period_to": PERIODS[0][1]}
    parts = [compute_kpis(part, **dates) for part in _split(council, 3)]
    empty = compute_kpis({"caseworkers": council["caseworkers"]}, **dates)
    assert empty.values["median_weeks_to_issue"] is None
    assert merge_kpi_results([empty, *parts]).values == compute_kpis(council, **dates).values


def test_no_parts_is_an_error():
    with pytest.raises(ValueError, match="no parts"):
        merge_kpi_results([])


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        ([["a", "b"], ["a", "x", "b"]], ["a", "x", "b"]),
        ([["a", "X", "b"], ["a", "Y", "b"]], ["a", "X", "Y", "b"]),
        ([["a", "b", "not recorded"], ["a", "b"]], ["a", "b", "not recorded"]),
        ([["a"], ["a", "z"], ["a", "y", "z"]], ["a", "y", "z"]),
    ],
)
def test_a_figure_only_some_parts_have_goes_where_those_parts_put_it(orders, expected):
    assert merged_order(orders) == expected
