"""The settings page (targets checked and audited) and teams and caseworkers (leaving, unallocated work)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from sendtrack.administration import forms, services
from sendtrack.core.models import DEFAULT_TARGETS, ServiceSettings, service_settings
from sendtrack.records import selectors
from sendtrack.records.models import Caseworker, Milestone, Request, Team
from sendtrack.records.selectors import table_rows
from tests.administration.conftest import make_user, signed_in, text

pytestmark = pytest.mark.django_db

HEADLINE = "plans_issued_within_20_weeks_ex_pc"


def settings_post(**changes: object) -> dict[str, object]:
    current = service_settings()
    data = {k: v for k, v in forms.SettingsForm.initial_from(current).items() if v is not None}
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    data.update(changes)
    return data


# --- settings -----------------------------------------------------------------------------------------------


def test_a_head_of_service_sets_a_target_and_the_change_is_audited(client):
    head = signed_in(client, "head", "head_of_service")
    response = client.post(reverse("administration:settings"), settings_post(**{f"target_{HEADLINE}": "72.5"}),
                           follow=True)  # fmt: skip
    assert "Settings saved" in text(response)
    assert service_settings().targets[HEADLINE] == 72.5
    latest = ServiceSettings.history.first()
    assert latest.history_user == head
    history = text(client.get(reverse("administration:settings-history")))
    assert "Target: Plans issued within 20 weeks (excluding exceptions) 60% 72.5%" in history


@pytest.mark.parametrize("value", ["101", "-1", "100.1"])
def test_a_target_outside_0_to_100_is_refused_and_nothing_is_saved(client, value):
    signed_in(client, "head", "head_of_service")
    response = client.post(reverse("administration:settings"), settings_post(**{f"target_{HEADLINE}": value}))
    assert "must be a percentage from 0 to 100" in text(response)
    assert service_settings().targets[HEADLINE] == DEFAULT_TARGETS[HEADLINE]


def test_the_service_refuses_a_target_outside_0_to_100_whoever_calls_it():
    with pytest.raises(services.Refused) as refused:
        services.service_settings_update(by=None, targets={HEADLINE: 140})
    label = services.target_labels()[HEADLINE]
    assert refused.value.errors == {f"target_{HEADLINE}": [services.ERR_TARGET_RANGE.format(label=label)]}


def test_school_closures_are_typed_one_per_line_and_bad_lines_are_named(client):
    signed_in(client, "head", "head_of_service")
    closures = "23/07/2025 to 02/09/2025 Summer\n02/09/2025 to 01/09/2025"
    bad = client.post(reverse("administration:settings"), settings_post(school_closures=closures))
    assert "Line 2: the last day (01/09/2025) is before the first (02/09/2025)" in text(bad)
    client.post(reverse("administration:settings"), settings_post(school_closures="23/07/2025 to 02/09/2025 Summer"))
    assert service_settings().school_closures == [{"first": "2025-07-23", "last": "2025-09-02", "name": "Summer"}]


def test_the_due_soon_window_set_here_is_the_one_worklists_use(client):
    signed_in(client, "head", "head_of_service")
    client.post(reverse("administration:settings"), settings_post(due_soon_days="21"))
    assert selectors.due_soon_days() == 21


def test_the_settings_page_is_for_heads_of_service_and_administrators_only(client):
    signed_in(client, "worker", "caseworker")
    assert client.get(reverse("administration:settings")).status_code == 403
    assert client.post(reverse("administration:settings"), settings_post(due_soon_days="3")).status_code == 403
    assert service_settings().due_soon_days == 14


# --- teams and caseworkers ------------------------------------------------------------------------------------


def test_an_administrator_sets_up_a_team_of_three_caseworkers_with_their_sign_ins(client):
    signed_in(client, "admin", "administrator")
    client.post(reverse("administration:team-add"), {"name": "East team"})
    team = Team.objects.get(name="East team")
    for n, name in enumerate(("Ash Worker", "Bea Worker", "Cal Worker"), start=1):
        account = make_user(f"worker{n}", "caseworker")
        data = {"name": name, "team": str(team.pk), "fte": "0.8", "caseworker_id": "", "user": str(account.pk)}
        client.post(reverse("administration:caseworker-add"), data)
    page = text(client.get(reverse("administration:team-detail", kwargs={"team_id": team.pk})))
    assert "Caseworkers (2.4 FTE active)" in page
    cws = list(Caseworker.objects.filter(team=team).order_by("name"))
    assert [c.caseworker_id for c in cws] == ["WEB-CW-0001", "WEB-CW-0002", "WEB-CW-0003"]
    assert [c.user.username for c in cws] == ["worker1", "worker2", "worker3"]
    assert all(c.active and c.fte == Decimal("0.80") for c in cws)


def test_an_fte_outside_0_to_1_is_refused(client):
    signed_in(client, "admin", "administrator")
    response = client.post(reverse("administration:caseworker-add"), {"name": "Dee", "fte": "1.5"})
    assert services.ERR_FTE in text(response)
    assert not Caseworker.objects.filter(name="Dee").exists()


def test_renaming_and_merging_teams_moves_caseworkers_and_keeps_history(example):
    admin = make_user("admin", "administrator")
    north, south = Team.objects.get(name="North team"), Team.objects.get(name="South team")
    south_id = south.pk
    services.team_rename(team=north, name="North and West team", by=admin)
    moved = services.team_merge(team=south, into=north, by=admin)
    assert moved == 1
    assert set(Caseworker.objects.values_list("team__name", flat=True)) == {"North and West team"}
    assert not Team.objects.filter(pk=south_id).exists()
    assert Team.history.filter(id=south_id, history_type="-").get().history_user == admin
    cw2 = Caseworker.history.filter(caseworker_id="CW2").first()
    assert cw2.history_change_reason == "Team South team merged into North and West team (service administration)"


def test_a_team_name_already_used_is_refused(example):
    with pytest.raises(services.Refused) as refused:
        services.team_create(name="north TEAM", by=None)
    assert refused.value.errors == {"name": [services.ERR_TEAM_EXISTS.format(name="north TEAM")]}


def test_a_caseworker_who_leaves_keeps_their_history_and_their_open_work_shows_as_unallocated(client, example):
    as_of = dt.date(2026, 1, 15)
    held = selectors.milestones_at(as_of=as_of, statuses=("overdue", "due_soon", "open")).filter(owner_id="CW1")
    held_ids = set(held.values_list("id", flat=True))
    assert held_ids, "CW1 holds open duties in the example"
    before_unallocated = set(selectors.milestones_unallocated(as_of=as_of).values_list("id", flat=True))
    assert not held_ids & before_unallocated

    count = services.caseworker_leave(caseworker=Caseworker.objects.get(pk="CW1"), left_on=as_of, by=None,
                                      today=as_of)  # fmt: skip

    assert count == len(held_ids)
    cw = Caseworker.objects.get(pk="CW1")
    assert not cw.active
    assert cw.left_on == as_of
    assert Request.objects.filter(caseworker_id="CW1").exists()  # their records still name them
    assert held_ids <= set(selectors.milestones_unallocated(as_of=as_of).values_list("id", flat=True))
    assert Request.objects.filter(selectors.unallocated_q(as_of=as_of)).filter(caseworker_id="CW1").exists()
    change = Caseworker.history.filter(caseworker_id="CW1").first()
    assert (change.active, change.left_on) == (False, as_of)


def test_a_leaving_date_in_the_future_keeps_work_allocated_until_then(example):
    as_of = dt.date(2026, 1, 15)
    services.caseworker_update(caseworker=Caseworker.objects.get(pk="CW1"), name="Robin Exampleworker",
                               team=Team.objects.get(name="North team"), fte="1", active=True,
                               left_on=as_of + dt.timedelta(days=30), user=None, by=None, today=as_of)  # fmt: skip
    owned = Milestone.objects.filter(request__caseworker_id="CW1").values_list("id", flat=True)
    assert not set(owned) & set(selectors.milestones_unallocated(as_of=as_of).values_list("id", flat=True))
    later = as_of + dt.timedelta(days=31)
    assert Request.objects.filter(selectors.unallocated_q(as_of=later)).filter(caseworker_id="CW1").exists()


def test_the_leaving_date_and_sign_in_do_not_change_the_extract(example):
    before = table_rows("caseworkers")
    services.caseworker_user_link(caseworker=Caseworker.objects.get(pk="CW2"), user=make_user("sam", "caseworker"),
                                  by=None)  # fmt: skip
    Caseworker.objects.filter(pk="CW2").update(left_on=dt.date(2026, 1, 1))
    assert table_rows("caseworkers") == before


def test_one_sign_in_cannot_be_two_caseworkers(example):
    sam = make_user("sam", "caseworker")
    services.caseworker_user_link(caseworker=Caseworker.objects.get(pk="CW2"), user=sam, by=None)
    with pytest.raises(services.Refused) as refused:
        services.caseworker_user_link(caseworker=Caseworker.objects.get(pk="CW1"), user=sam, by=None)
    assert "already linked to caseworker" in refused.value.errors["user"][0]


def test_the_caseworker_list_is_a_fixed_number_of_queries(client, example, django_assert_max_num_queries):
    signed_in(client, "admin", "administrator")
    service_settings()
    for n in range(40):
        services.caseworker_create(name=f"Worker {n}", team=Team.objects.first(), fte="1", by=None)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("administration:caseworker-list"))
    assert "42 caseworkers" in text(response)


def test_a_target_set_here_is_the_one_the_dashboard_shows(client, example):
    """Done when: a head of service sets the targets and sees them on the dashboard."""
    signed_in(client, "head", "head_of_service")
    client.post(reverse("administration:settings"), settings_post(**{f"target_{HEADLINE}": "73"}))
    dashboard = text(client.get(reverse("reporting:dashboard")))
    assert "target 73%" in dashboard
    assert "target 60%" not in dashboard.split("Plans issued within 20 weeks (excluding exceptions)")[1][:200]
