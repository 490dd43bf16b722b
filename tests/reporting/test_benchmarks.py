"""DfE's published figures load from the shipped release, a newer release replaces it by being copied in
beside it, and each comparable indicator sits beside England, the region and the statistical neighbours."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sendtrack.reporting.performance import benchmarks as bm

SHIPPED = bm.REFERENCE / "dfe_ehcp_2025"


def test_the_shipped_release_loads_and_names_every_council_by_its_la_number():
    release = bm.load_release()
    assert release.name == "dfe_ehcp_2025"
    assert release.years("timeliness_20_week.csv")[-1] == "2024"
    assert release.areas["303"].name == "Bexley"
    assert (
        release.value("timeliness_20_week.csv", "PC_plans_issued_20_weeks_ex", "2019", "National", "E92000001")
        == "60.4"
    )


def test_a_council_is_shown_beside_england_its_region_and_its_ten_statistical_neighbours():
    ours = {"plans_issued_within_20_weeks_ex_pc": 44.4, "plans_issued": 1275, "plans_issued_over_52_weeks": 127,
            "requests_decided_to_assess": 0, "requests_decided": 0}  # fmt: skip
    result = bm.benchmark(la_code="303", year="2024", ours=ours)
    assert (result.la_name, result.region_name) == ("Bexley", "London")
    assert result.neighbour_names[:2] == ["Havering", "Bedford Borough"]
    assert len(result.neighbour_names) == 10
    row = {r.comparable.key: r for r in result.rows}
    headline = row["plans_issued_within_20_weeks_ex_pc"]
    assert headline.ours.value == 44.4
    assert headline.england.value == 46.4
    assert headline.region.value == 66.9
    assert headline.council_published.value == 68.6
    assert len(headline.neighbours) == 10
    assert headline.neighbour_average is not None
    assert row["share:plans_issued_over_52_weeks/plans_issued"].ours.value == 10.0
    assert row["share:requests_decided_to_assess/requests_decided"].ours.reason == "no cases"


def test_every_indicator_whose_definition_differs_says_how():
    for c in bm.COMPARABLES:
        if not c.same_definition:
            assert c.note, c.key


def test_a_council_not_in_the_release_still_gets_england():
    result = bm.benchmark(la_code="999", year="2024", ours={})
    assert not result.known_council
    assert result.rows[0].england.value == 46.4
    assert result.rows[0].region.reason == "no region"


@pytest.mark.parametrize(("text", "reason"), [("x", "not available"), ("c", "suppressed"), ("z", "not applicable")])
def test_dfe_markers_are_explained_not_shown_as_zero(text, reason):
    assert bm.Cell.published(text) == bm.Cell(None, reason)


def test_a_newer_release_copied_in_beside_the_old_one_is_used(tmp_path: Path):
    shutil.copytree(SHIPPED, tmp_path / "dfe_ehcp_2025")
    newer = tmp_path / "dfe-ehcp-2026"
    shutil.copytree(SHIPPED, newer)
    path = newer / "timeliness_20_week.csv"
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path.write_text(header.upper() + "\n" + rest.replace("2024,Calendar year,National", "2025,Calendar year,National"))
    assert bm.newest_release(tmp_path) == newer
    release = bm.load_release(newer)
    assert "2025" in release.years("timeliness_20_week.csv")


def test_a_release_missing_a_column_is_refused_with_the_file_and_column(tmp_path: Path):
    broken = tmp_path / "dfe_ehcp_2027"
    shutil.copytree(SHIPPED, broken)
    path = broken / "requests.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("request_outcome_six_weeks_pc", "renamed", 1))
    with pytest.raises(
        ValueError, match="dfe_ehcp_2027/requests.csv: the release has no column request_outcome_six_weeks_pc"
    ):
        bm.load_release(broken)


def test_no_release_folder_is_a_clear_error(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="no DfE release folder"):
        bm.newest_release(tmp_path)


def test_the_council_benchmarked_is_the_one_in_the_service_settings(client, loaded):
    from django.urls import reverse

    from sendtrack.accounts.models import Role, User
    from sendtrack.core.models import service_settings

    settings = service_settings()
    settings.la_code = "886"  # Kent
    settings.save()
    user = User.objects.create_user(username="analyst", password="a long enough password 1")
    user.roles.add(Role.objects.get(code="performance_analyst"))
    client.force_login(user)
    response = client.get(reverse("reporting:benchmarks"), {"as_of": "2025-06-30"})
    result = response.context["benchmarks"]
    assert (result.la_name, result.region_name, result.year) == ("Kent", "South East", "2024")
    html = response.content.decode()
    assert "Definition differs" in html
    assert "Statistical neighbours (average)" in html
