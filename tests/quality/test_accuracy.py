"""Accuracy (issue 7): on a generated council with injected faults, loaded the way an analyst loads one, every
fault is among the STORED findings under its code and record; a clean generated council stores no error."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from sendtrack.imports.services import extract_load
from sendtrack.records.models import Finding

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 1, 17)


@pytest.fixture(scope="module")
def councils(tmp_path_factory):
    """One generated council written twice: clean, and with faults injected (and the fault manifest)."""
    from sendtrack.generator import generate_extract
    from sendtrack.generator.faults import inject_faults
    from sendtrack.spreadsheets.writer import write_extract

    folder = tmp_path_factory.mktemp("councils")
    clean = generate_extract(people=400, seed=3, as_of=AS_OF)
    faulted = copy.deepcopy(clean)
    manifest = inject_faults(faulted, rate=0.05, seed=3)
    write_extract(clean, folder / "clean")
    write_extract(faulted, folder / "faulted")
    return folder / "clean", folder / "faulted", manifest


def test_a_clean_generated_council_stores_no_error_severity_finding(councils):
    clean, _, _ = councils
    outcome = extract_load(path=clean)
    assert not outcome.errors
    errors = list(Finding.objects.filter(severity="error").values_list("code", "table", "record_id"))
    assert errors == []


def test_every_injected_fault_is_stored_under_its_code_and_record(councils):
    _, faulted, manifest = councils
    outcome = extract_load(path=faulted)
    assert not outcome.errors, outcome.errors[:3]
    stored = set(Finding.objects.filter(resolved_on__isnull=True).values_list("code", "table", "record_id"))
    wanted = {(f.code, f.table, f.record_id) for f in manifest}
    assert len({code for code, _, _ in wanted}) >= 35  # every injectable rule is in the manifest
    assert sorted(wanted - stored) == []


def test_every_stored_finding_is_dated_at_the_extract_and_owned_as_the_spec_says(councils):
    _, faulted, _ = councils
    extract_load(path=faulted)
    assert set(Finding.objects.values_list("first_seen", flat=True)) == {AS_OF}
    from sendtrack.records.models import Plan, Request

    for finding in Finding.objects.filter(table="requests")[:20]:
        assert finding.caseworker_id == Request.objects.get(pk=finding.record_id).caseworker_id
    for finding in Finding.objects.filter(table="plans")[:20]:
        assert finding.caseworker_id == Plan.objects.get(pk=finding.record_id).caseworker_id
