"""The roles of `architecture.md`, as data, and who may do what.

Roles are rows (`accounts.Role`), loaded by a data migration from `ROLES`, so a council can see and
assign them; the groupings below are what views declare. Access is denied by default: a view that
declares nothing is refused to everyone (`RoleAccessMiddleware`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoleSpec:
    code: str
    name: str
    sees: str
    changes: str


CASEWORKER = "caseworker"
TEAM_MANAGER = "team_manager"
HEAD_OF_SERVICE = "head_of_service"
PERFORMANCE_ANALYST = "performance_analyst"
COUNCILLOR = "councillor"
AUDITOR = "auditor"
ADMINISTRATOR = "administrator"

ROLES: tuple[RoleSpec, ...] = (
    RoleSpec(CASEWORKER, "Caseworker", "every case (to cover colleagues); their own worklist first",
             "case events on any case"),
    RoleSpec(TEAM_MANAGER, "Team manager", "as caseworker, plus team worklists, allocation, caseload",
             "allocation; everything a caseworker can"),
    RoleSpec(HEAD_OF_SERVICE, "Head of service", "everything, all dashboards",
             "settings (targets, due-soon window, closures)"),
    RoleSpec(PERFORMANCE_ANALYST, "Performance analyst", "everything; loads, exports, reconciliation, SEN2",
             "imports, returns"),
    RoleSpec(COUNCILLOR, "Councillor or board member",
             "aggregate dashboards and board packs only, small numbers suppressed", "nothing"),
    RoleSpec(AUDITOR, "Auditor", "everything, read-only, including the audit history", "nothing"),
    RoleSpec(ADMINISTRATOR, "Administrator", "users, roles, teams, settings",
             "users, roles, teams, settings; no case data"),
)  # fmt: skip
ROLE_CODES = frozenset(r.code for r in ROLES)

# Who may see and who may change case data (views declare these).
SIGNED_IN = frozenset(ROLE_CODES)
CASE_READERS = frozenset({CASEWORKER, TEAM_MANAGER, HEAD_OF_SERVICE, PERFORMANCE_ANALYST, AUDITOR})
CASE_WRITERS = frozenset({CASEWORKER, TEAM_MANAGER})
ALLOCATORS = frozenset({TEAM_MANAGER})
DASHBOARD_READERS = frozenset({TEAM_MANAGER, HEAD_OF_SERVICE, PERFORMANCE_ANALYST, AUDITOR})
AGGREGATE_READERS = DASHBOARD_READERS | {COUNCILLOR}
DATA_MANAGERS = frozenset({PERFORMANCE_ANALYST})
SETTINGS_MANAGERS = frozenset({HEAD_OF_SERVICE, ADMINISTRATOR})
AUDIT_READERS = frozenset({AUDITOR})

# Running the service (issue 8). The administrator role may be held by the head of service instead.
USER_MANAGERS = frozenset({ADMINISTRATOR, HEAD_OF_SERVICE})  # users, roles, sign-in links, teams, caseworkers
PERSON_MERGERS = frozenset({HEAD_OF_SERVICE, PERFORMANCE_ANALYST})  # merging duplicate children is data work
SERVICE_MANAGERS = USER_MANAGERS | SETTINGS_MANAGERS | PERSON_MERGERS  # who runs the service day to day
SERVICE_ADMINS = SERVICE_MANAGERS | AUDIT_READERS  # the /service/ index
#: Roles that must confirm a code from an authenticator app when the service setting requires it.
TWO_FACTOR_ROLES = frozenset({ADMINISTRATOR, HEAD_OF_SERVICE, PERFORMANCE_ANALYST, AUDITOR})
