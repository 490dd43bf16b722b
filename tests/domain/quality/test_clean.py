"""The clean council raises nothing: every rule is silent on data that is right."""

from __future__ import annotations

from sendtrack.domain.quality import Dataset, all_rules, run_case_rules, run_rules
from tests.domain.quality.builders import AS_OF, D, clean_tables


def test_clean_council_raises_no_finding_at_all():
    dataset = Dataset.from_tables(clean_tables())
    assert run_rules(dataset, as_of=AS_OF, extract_date=AS_OF) == []


def test_clean_council_is_clean_when_typed_in_the_web_app():
    """No extract date: the as-of date stands in for it."""
    dataset = Dataset.from_tables(clean_tables())
    assert run_rules(dataset, as_of=AS_OF) == []


def test_clean_council_is_clean_a_few_months_later():
    dataset = Dataset.from_tables(clean_tables())
    assert run_rules(dataset, as_of=D(2025, 3, 31), extract_date=D(2025, 3, 31)) == []


def test_every_case_of_the_clean_council_is_clean():
    dataset = Dataset.from_tables(clean_tables())
    for person_id in dataset.person_ids():
        assert run_case_rules(dataset.for_person(person_id), as_of=AS_OF, extract_date=AS_OF) == []


def test_the_clean_council_covers_every_table():
    tables = clean_tables()
    assert all(tables[name] for name in tables), [name for name in tables if not tables[name]]


def test_every_rule_runs_on_an_empty_dataset():
    empty = Dataset.from_tables({})
    for rule in all_rules():
        assert run_rules(empty, as_of=AS_OF, codes=[rule.code]) == []
