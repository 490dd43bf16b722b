"""The meta-test: the catalogue is complete, well-formed and every rule is tested both ways.

It cannot pass silently: the codes and severities are the spec's own list (`data-quality.md`), and
for every code it looks for a firing case and a silent case in the rule test modules *and* for the
test function named after the code whose parametrisation runs exactly those cases.
"""

from __future__ import annotations

import re

import pytest

from sendtrack.domain.quality import RECORD_TABLES, Scope, Severity, all_rules, catalogue
from sendtrack.spreadsheets.schema import TABLES_BY_NAME
from tests.domain.quality import test_dates, test_identity, test_migration, test_plans, test_process

RULE_TEST_MODULES = (test_identity, test_dates, test_process, test_plans, test_migration)

#: `data-quality.md`, code by code: the severity the spec gives each rule (DQ604/605 are the
#: reconciliation's, not this engine's).
SPEC = {
    "DQ101": "error", "DQ102": "error", "DQ103": "warning", "DQ104": "warning", "DQ105": "error",
    "DQ106": "warning", "DQ107": "error",
    "DQ201": "error", "DQ202": "error", "DQ203": "error", "DQ204": "error", "DQ205": "error", "DQ206": "error",
    "DQ207": "error", "DQ208": "error", "DQ209": "error",
    "DQ301": "error", "DQ302": "error", "DQ303": "error", "DQ304": "error", "DQ305": "error", "DQ306": "warning",
    "DQ307": "error", "DQ308": "warning", "DQ309": "query", "DQ310": "warning",
    "DQ401": "error", "DQ402": "error", "DQ403": "error", "DQ404": "error", "DQ405": "error", "DQ406": "error",
    "DQ407": "query", "DQ408": "warning", "DQ409": "warning", "DQ410": "error", "DQ411": "warning",
    "DQ601": "warning", "DQ602": "warning", "DQ603": "warning",
}  # fmt: skip

RULES = all_rules()
CODES = [r.code for r in RULES]


def test_codes_are_unique_and_exactly_the_specs():
    assert len(CODES) == len(set(CODES))
    assert set(CODES) == set(SPEC)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_well_formed(rule):
    assert re.fullmatch(r"DQ\d{3}", rule.code)
    assert rule.severity is Severity(SPEC[rule.code])
    assert isinstance(rule.scope, Scope)
    assert rule.title.strip()
    assert rule.reference.strip()
    assert rule.message.strip()
    assert rule.message.rstrip().endswith("."), "a message is a sentence"
    assert len(rule.message) >= 60, "a message says what is wrong and what to do"
    assert rule.check.__name__.startswith(rule.code.lower() + "_")
    assert rule.table == "*" or rule.table in RECORD_TABLES
    assert rule.fields
    for name in rule.fields:
        table, _, column = name.rpartition(".")
        table = table or rule.table
        assert table != "*", f"{rule.code}: a rule over several tables names its fields as table.column"
        assert column in TABLES_BY_NAME[table].by_name, f"{rule.code}: {table}.{column} is not a column"


def test_catalogue_is_plain_data():
    entries = catalogue()
    assert [e["code"] for e in entries] == CODES
    for entry in entries:
        assert set(entry) == {"code", "severity", "title", "message", "table", "fields", "scope", "reference"}
        assert all(isinstance(v, (str, list)) for v in entry.values())


def _cases():
    for module in RULE_TEST_MODULES:
        for case in module.CASES:
            yield module, case


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_a_firing_and_a_silent_case(code):
    cases = [case for _, case in _cases() if case.code == code]
    assert any(c.fires for c in cases), f"{code} has no case that makes it fire"
    assert any(not c.fires for c in cases), f"{code} has no case where it stays silent"


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_a_test_function_named_after_it_that_runs_its_cases(code):
    modules = {module for module, case in _cases() if case.code == code}
    assert len(modules) == 1, f"{code}: cases in {len(modules)} modules"
    module = modules.pop()
    functions = [getattr(module, n) for n in dir(module) if n.startswith(f"test_{code.lower()}_")]
    expected = [case for case in module.CASES if case.code == code]
    runners = [
        function
        for function in functions
        for mark in getattr(function, "pytestmark", [])
        if mark.name == "parametrize" and list(mark.args[1]) == expected
    ]
    assert runners, f"no test_{code.lower()}_... in {module.__name__} is parametrised over exactly the {code} cases"


def test_no_case_names_an_unknown_code():
    assert {case.code for _, case in _cases()} <= set(CODES)
