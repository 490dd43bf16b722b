"""`sendtrack generate`: a realistic synthetic council in the canonical extract format.

Calibrated to DfE's published figures (`calibration.py` lists every target and its source), made
person by person so it can stream England-sized extracts in bounded memory, deterministic for a
seed. `faults.py` injects data-quality faults with a manifest; `format_errors.py` breaks a copy in
the ways the loader refuses.
"""

from sendtrack.generator.core import GenerationSummary, build_council, generate_extract, generate_to_path

__all__ = ["GenerationSummary", "build_council", "generate_extract", "generate_to_path"]
