"""Published reference data shipped for benchmarking (not personal data).

- `dfe_ehcp_2025/`: the Department for Education's "Education, health and care plans" statistics, June 2025
  release (plans at January 2025; flows for calendar years 2019-2024), Open Government Licence v3.0. Only
  the all-cases rows are kept (national, regional and local-authority levels). `data-guidance.txt` is DfE's
  own guide to the files. `x` means not available, `c` suppressed, `z` not applicable. A newer release goes
  beside it as `dfe_ehcp_YYYY/` (same file names); `reporting.performance.benchmarks` reads the newest.
- `statistical-neighbours.csv`: for each local authority (column header), its ten statistical neighbours,
  closest first, as used by the children's-services benchmarking tools.

Never edit these by hand: replace them with the published files.
"""
