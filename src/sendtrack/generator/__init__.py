"""`sendtrack generate`: a realistic synthetic council in the canonical extract format.

Calibrated to DfE's published figures (`calibration.py` lists every target and its source), made
person by person so it can stream England-sized extracts in bounded memory, deterministic for a
seed. `faults.py` injects data-quality faults with a manifest; `format_errors.py` breaks a copy in
the ways the loader refuses.

    extract = generate_extract(people=3000, seed=1, as_of=date(2025, 11, 15), profile="typical")
    summary = generate_to_path("out/", people=700_000, seed=1, as_of=date(2025, 11, 15))
    manifest = inject_faults(extract, rate=0.01, seed=1)            # list[FaultRecord]
    broken = inject_format_errors(extract, "broken.xlsx", seed=1)   # list[FormatError]
"""

from sendtrack.generator.core import GenerationSummary, build_council, generate_extract, generate_to_path
from sendtrack.generator.faults import FaultRecord, inject_faults, write_manifest
from sendtrack.generator.format_errors import FormatError, inject_format_errors, write_format_manifest

__all__ = [
    "FaultRecord",
    "FormatError",
    "GenerationSummary",
    "build_council",
    "generate_extract",
    "generate_to_path",
    "inject_faults",
    "inject_format_errors",
    "write_format_manifest",
    "write_manifest",
]
