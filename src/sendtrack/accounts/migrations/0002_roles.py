"""Load the roles of `architecture.md` as data (frozen here: later changes get their own migration)."""

from django.db import migrations

ROLES = [
    ("caseworker", "Caseworker", "every case (to cover colleagues); their own worklist first", "case events on any case"),
    ("team_manager", "Team manager", "as caseworker, plus team worklists, allocation, caseload",
     "allocation; everything a caseworker can"),
    ("head_of_service", "Head of service", "everything, all dashboards", "settings (targets, due-soon window, closures)"),
    ("performance_analyst", "Performance analyst", "everything; loads, exports, reconciliation, SEN2", "imports, returns"),
    ("councillor", "Councillor or board member", "aggregate dashboards and board packs only, small numbers suppressed",
     "nothing"),
    ("auditor", "Auditor", "everything, read-only, including the audit history", "nothing"),
    ("administrator", "Administrator", "users, roles, teams, settings", "users, roles, teams, settings; no case data"),
]


def load_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, name, sees, changes in ROLES:
        Role.objects.update_or_create(code=code, defaults={"name": name, "sees": sees, "changes": changes})


def unload_roles(apps, schema_editor):
    apps.get_model("accounts", "Role").objects.filter(code__in=[r[0] for r in ROLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(load_roles, unload_roles)]
