"""Operational grip: the caseworker's "My work", the team manager's "Team work" (duties, caseload, unallocated
cases, reallocation) and the annual-review planner, each at any as-of date and as Excel or CSV.

Every line is a stored milestone read through `records.selectors.milestones_at`, so a worklist, a case page,
the tracker and the performance figures can never disagree about a duty; every reallocation is written
through `records.services.record_save`, so it is audited like any other change to a case.
"""
