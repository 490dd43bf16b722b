"""Running the service without a developer: users and roles, teams and caseworkers, settings, merging
duplicate children, and the auditor's view of who did what (issue 8). Views at /service/."""
