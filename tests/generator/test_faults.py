"""`--faults`: every injectable rule gets an example, exactly as the manifest says, and the extract still loads."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from sendtrack.domain.quality import Dataset, run_rules
from sendtrack.generator import generate_extract
from sendtrack.generator.faults import INJECTABLE, NOT_INJECTABLE, FaultRecord, inject_faults, swap_fixes
from sendtrack.spreadsheets.extract import Extract
from sendtrack.spreadsheets.reader import read_extract
from sendtrack.spreadsheets.writer import write_extract
from tests.generator import dq_oracle

AS_OF = dt.date(2025, 11, 15)
SPEC = Path("/work/shared/spec/data-quality.md")
#: The catalogue's codes (`data-quality.md`), restated so the test does not depend on the spec file.
CATALOGUE = (
    [f"DQ10{i}" for i in range(1, 8)]
    + [f"DQ20{i}" for i in range(1, 10)]
    + [f"DQ30{i}" for i in range(1, 10)]
    + ["DQ310"]
    + [f"DQ40{i}" for i in range(1, 10)]
    + ["DQ410", "DQ411"]
    + [f"DQ60{i}" for i in range(1, 6)]
)


def _faulted(people: int = 3000, seed: int = 5, rate: float = 0.01) -> tuple[Extract, Extract, list[FaultRecord]]:
    clean = generate_extract(people=people, seed=seed, as_of=AS_OF)
    faulted = generate_extract(people=people, seed=seed, as_of=AS_OF)
    return clean, faulted, inject_faults(faulted, rate=rate, seed=seed)


@pytest.fixture(scope="module")
def run() -> tuple[Extract, Extract, list[FaultRecord]]:
    return _faulted()


def test_the_catalogue_restated_here_matches_the_spec() -> None:
    if not SPEC.exists():
        pytest.skip("data-quality.md not available")
    codes = sorted(set(re.findall(r"^\| (DQ\d{3}) \|", SPEC.read_text(encoding="utf-8"), re.MULTILINE)))
    assert codes == sorted(CATALOGUE)


def test_every_code_is_injectable_except_the_four_that_cannot_be() -> None:
    assert set(INJECTABLE) | set(NOT_INJECTABLE) == set(CATALOGUE)
    assert set(NOT_INJECTABLE) == {"DQ307", "DQ404", "DQ604", "DQ605"}


def test_the_manifest_covers_every_injectable_code(run: tuple[Extract, Extract, list[FaultRecord]]) -> None:
    _clean, _faulted_extract, manifest = run
    assert {m.code for m in manifest} == set(INJECTABLE)


def test_each_fault_raises_exactly_what_the_manifest_lists(run: tuple[Extract, Extract, list[FaultRecord]]) -> None:
    """Findings new in the faulted extract, by an independent statement of the rules, are the manifest."""
    clean, faulted, manifest = run
    new = set(dq_oracle.run(faulted)) - set(dq_oracle.run(clean))
    found = {(f.code, f.table, f.record_id) for f in new}
    listed = {(m.code, m.table, m.record_id) for m in manifest}
    assert sorted(listed - found) == []
    assert sorted(found - listed) == []


def test_the_quality_engine_finds_every_fault_and_nothing_else(
    run: tuple[Extract, Extract, list[FaultRecord]],
) -> None:
    clean, faulted, manifest = run

    def findings(x: Extract) -> set[tuple[str, str, str]]:
        return {
            (f.code, f.table, f.record_id)
            for f in run_rules(Dataset.from_tables(x.tables), as_of=AS_OF, extract_date=AS_OF)
        }

    new = findings(faulted) - findings(clean)
    listed = {(m.code, m.table, m.record_id) for m in manifest}
    assert sorted(listed - new) == []
    assert sorted(new - listed) == []


def test_a_faulted_extract_still_loads_without_a_refusal(
    run: tuple[Extract, Extract, list[FaultRecord]], tmp_path: Path
) -> None:
    _clean, faulted, _manifest = run
    for name in ("faulted", "faulted.xlsx"):
        write_extract(faulted, tmp_path / name)
        result = read_extract(tmp_path / name)
        assert result.errors == []
        assert result.unresolved == []


def test_paired_faults_are_listed_on_both_records(run: tuple[Extract, Extract, list[FaultRecord]]) -> None:
    _clean, _faulted_extract, manifest = run
    by_code = Counter(m.code for m in manifest)
    for code in ("DQ103", "DQ104", "DQ401"):
        assert by_code[code] % 2 == 0
    swaps = {m.record_id for m in manifest if m.code == "DQ603"}
    order = {m.record_id for m in manifest if m.code in ("DQ202", "DQ205", "DQ209")}
    assert swaps <= order
    spike = by_code["DQ602"]
    assert spike > 20


def test_the_rate_is_a_share_of_eligible_records() -> None:
    """DQ310 is injected first, so all transferred-in plans are eligible: exactly rate x their number."""
    clean, _faulted_extract, manifest = _faulted(people=3000, seed=6, rate=0.05)
    transferred_in = sum(1 for p in clean.tables["plans"] if p["transfer_la"])
    assert sum(1 for m in manifest if m.code == "DQ310") == max(1, round(0.05 * transferred_in))
    assert len({m.code for m in manifest}) == len(INJECTABLE)


def test_faults_are_deterministic() -> None:
    assert _faulted(people=800, seed=9)[2] == _faulted(people=800, seed=9)[2]


def test_a_small_council_still_gets_every_code() -> None:
    assert {m.code for m in _faulted(people=400, seed=3)[2]} == set(INJECTABLE)


def test_a_rate_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="fault rate"):
        inject_faults(generate_extract(people=50, seed=1, as_of=AS_OF), rate=0.5)


def test_the_swap_test_is_the_spec_one() -> None:
    extract_date = dt.date(2025, 11, 15)
    # received 20 Sep 2024, decision typed 3 Nov as 11 March: a swap puts it right.
    assert swap_fixes(dt.date(2024, 9, 20), dt.date(2024, 3, 11), extract_date)
    # a day above 12 cannot be a month
    assert not swap_fixes(dt.date(2024, 9, 20), dt.date(2024, 3, 13), extract_date)
    # day equal to month: swapping changes nothing
    assert not swap_fixes(dt.date(2024, 9, 20), dt.date(2024, 3, 3), extract_date)
    # swapped date past the extract date
    assert not swap_fixes(dt.date(2025, 9, 20), dt.date(2025, 9, 12), extract_date)
