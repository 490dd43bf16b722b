"""Data-quality rules (`data-quality.md`): the catalogue DQ101–DQ411, DQ601–DQ603 and the engine that runs it.

Pure Python: rows in (plain mappings keyed by the extract's column names), findings out. Callers
pass the as-of date; there is no clock and no database here.

    dataset = Dataset.from_tables(extract.tables)
    findings = run_rules(dataset, as_of=extract_date, extract_date=extract_date)
    findings = run_case_rules(dataset.for_person("P1"), as_of=today)   # after an edit to one case
"""

from sendtrack.domain.quality.dataset import DATE_FIELDS, KEYS, RECORD_TABLES, REFERENCES, Dataset, record_id
from sendtrack.domain.quality.docs import catalogue_markdown
from sendtrack.domain.quality.engine import (
    Context,
    Finding,
    FindingKey,
    Hit,
    Rule,
    Scope,
    Severity,
    all_rules,
    catalogue,
    get_rule,
    run_case_rules,
    run_rules,
)
from sendtrack.domain.quality.identifiers import is_valid_postcode, is_valid_uln, is_valid_upn, upn_check_letter
from sendtrack.domain.quality.lifecycle import FindingChanges, StoredFinding, diff_findings

__all__ = [
    "DATE_FIELDS",
    "KEYS",
    "RECORD_TABLES",
    "REFERENCES",
    "Context",
    "Dataset",
    "Finding",
    "FindingChanges",
    "FindingKey",
    "Hit",
    "Rule",
    "Scope",
    "Severity",
    "StoredFinding",
    "all_rules",
    "catalogue",
    "catalogue_markdown",
    "diff_findings",
    "get_rule",
    "is_valid_postcode",
    "is_valid_uln",
    "is_valid_upn",
    "record_id",
    "run_case_rules",
    "run_rules",
    "upn_check_letter",
]
