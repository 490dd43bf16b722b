"""Sample objects for the URL walk of `tests/accounts/test_access.py`: one of each thing an administration
URL names, with fixed keys, so every pattern can be requested by every role."""

from __future__ import annotations

ACCESS_SAMPLE_KWARGS = {
    "username": "sample-user",
    "team_id": 990001,
    "caseworker_id": "CW1",
    "merge_id": 990001,
}


def create_access_samples() -> None:
    from sendtrack.accounts.models import User
    from sendtrack.records.models import PersonMerge, Team

    User.objects.create_user(username="sample-user", password="a long enough password 1")
    Team.objects.create(pk=990001, name="Sample team")
    PersonMerge.objects.create(pk=990001, survivor_id="P001", merged_id="P999", by_name="sample", choices={},
                               merged_row={"person_id": "P999"}, moved={"requests": []})  # fmt: skip
