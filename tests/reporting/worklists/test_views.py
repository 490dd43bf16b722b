"""My work, Team work, reallocation and the planner through the web pages: who may see what, what each page says,
filters and their errors, the reallocation from both caseworkers' side, and the queries a page costs."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from sendtrack.records.models import Caseworker, Request
from sendtrack.reporting.worklists import forms, services
from tests.reporting.worklists.conftest import AS_OF, user_with

pytestmark = pytest.mark.django_db
WORKLIST_URLS = ("my-work", "my-work-export", "team-work", "team-work-export", "reallocate", "planner",
                 "planner-export")  # fmt: skip


@pytest.fixture(autouse=True)
def today():
    """The example extract was taken on 15 January 2026: the lists open on that day by default."""
    with time_machine.travel(dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC), tick=False):
        yield AS_OF


def text(response) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&amp;", "&").split())


def table_children(response) -> list[str]:
    """The children named in the duties table, in order."""
    body = response.content.decode()
    table = body[body.index('id="duties-table"') :]
    table = table[: table.index("</table>")]
    return re.findall(r'href="/cases/people/[^/]+/">([^<]+)</a>', table)


# --- who may see what ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", WORKLIST_URLS)
def test_councillors_reach_no_worklist_page(client, council, name):
    client.force_login(user_with("councillor", "cllr"))
    response = client.get(reverse(f"reporting:{name}"))
    assert response.status_code == 403
    assert b"Finn" not in response.content


def test_caseworkers_have_my_work_but_not_team_work_or_the_planner(client, robin):
    client.force_login(robin)
    assert client.get(reverse("reporting:my-work")).status_code == 200
    for name in ("team-work", "planner", "reallocate", "team-work-export", "planner-export"):
        assert client.get(reverse(f"reporting:{name}")).status_code == 403, name


def test_a_user_with_no_caseworker_record_is_told_why_and_what_to_do(client, council):
    client.force_login(user_with("caseworker", "casey"))
    for name in ("my-work", "my-work-export"):
        response = client.get(reverse(f"reporting:{name}"))
        assert response.status_code == 200
        assert "Your sign-in is not linked to a caseworker record" in text(response)
        assert "Ask your administrator to link it" in text(response)
    assert "a team’s work" not in text(response)
    client.force_login(user_with("team_manager", "mo"))
    assert "a team’s work" in text(client.get(reverse("reporting:my-work")))


def test_heads_of_service_read_team_work_but_do_not_reallocate_or_record_steps(client, head):
    client.force_login(head)
    response = client.get(reverse("reporting:team-work"), {"team": "all"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="case"' not in page
    assert "Reallocate" not in page
    assert "/request-decide/" not in page
    assert "Open the case" in page
    assert "Download the Excel tracker" not in page  # the tracker is for those who record case work
    assert (
        client.post(reverse("reporting:reallocate"), {"case": "requests:R007:1", "caseworker": "CW4"}).status_code
        == 403
    )
    assert Request.objects.get(pk="R007").caseworker_id == "CW1"


# --- My work ----------------------------------------------------------------------------------------------------


def test_my_work_says_what_to_do_this_week_and_lists_overdue_first(client, robin):
    client.force_login(robin)
    response = client.get(reverse("reporting:my-work"))
    words = text(response)
    assert "Shown as it stood on 15 January 2026 (today)" in words
    assert "1 overdue duty to deal with first, then 1 duty falling due by Wed 21 Jan 2026" in words
    assert "8 duties to do" in words
    assert table_children(response)[:2] == ["Finn Newchild", "Gail Waitingchild"]
    assert "Overdue 3 days overdue Mon 12 Jan 2026 Decide whether to assess" in words
    step = reverse("records:step", kwargs={"table": "requests", "key": "R006", "step": "request-decide"})
    assert f'href="{step}"' in response.content.decode()


def test_my_work_filters_by_status_and_by_duty(client, robin):
    client.force_login(robin)
    overdue = client.get(reverse("reporting:my-work"), {"status": "overdue"})
    assert table_children(overdue) == ["Finn Newchild"]
    assert "1 duty to do (filtered)" in text(overdue)
    reviews = client.get(reverse("reporting:my-work"), {"kind": "annual_review"})
    assert table_children(reviews) == ["Dev Phasechild", "Ada Examplechild"]


def test_the_summary_links_to_just_what_falls_due_this_week(client, robin):
    client.force_login(robin)
    page = client.get(reverse("reporting:my-work"))
    this_week = client.get(reverse("reporting:my-work") + "?" + page.context["this_week_query"])
    assert table_children(this_week) == ["Gail Waitingchild"]  # R007, due Wed 21 Jan; R006 is already overdue
    assert "1 duty to do (filtered)" in text(this_week)
    assert "1 overdue duty to deal with first" in text(this_week)  # the summary is of the whole list


def test_my_work_as_it_stood_on_a_past_date(client, robin):
    client.force_login(robin)
    response = client.get(reverse("reporting:my-work"), {"as_of": "2024-09-30"})
    words = text(response)
    assert "Shown as it stood on 30 September 2024 . Show today’s list" in words
    # Dev's plan had gone unreviewed since 2020 (overdue); R001's decision was due on 14 Oct 2024
    assert table_children(response)[:2] == ["Dev Phasechild", "Ada Examplechild"]
    assert "Due soon 14 days left Mon 14 Oct 2024 Decide whether to assess Request R001" in words


@pytest.mark.parametrize("bad", ["yesterday", "2025-02-30", "1066-10-14"])
def test_a_date_that_is_not_a_date_is_an_error_not_an_empty_list(client, robin, bad):
    client.force_login(robin)
    response = client.get(reverse("reporting:my-work"), {"as_of": bad})
    assert response.status_code == 400
    message = forms.ERR_AS_OF_RANGE if bad.startswith("1066") else forms.ERR_AS_OF
    assert "There is a problem" in text(response)
    assert message in text(response)
    assert "duties to do" not in text(response)


def test_my_work_has_no_duties_on_a_caseworker_with_none(client, manager):
    client.force_login(manager)  # Nia (CW4) holds nothing yet
    words = text(client.get(reverse("reporting:my-work")))
    assert "No statutory duty is waiting." in words
    assert "Nothing to do: no duty on your cases matches." in words


# --- Team work -------------------------------------------------------------------------------------------------


def test_team_work_opens_on_the_managers_team_with_caseload_and_unallocated_cases(client, manager):
    client.force_login(manager)
    response = client.get(reverse("reporting:team-work"))
    words = text(response)
    assert response.context["scope"].describe() == "North team"
    assert "9 duties to do" in words
    assert "Unallocated cases 2 (1 with an overdue duty)" in words
    assert "Robin Exampleworker 1.00 2 2 1 0 1 2.0" in words  # FTE, plans, requests, assessments, reviews, overdue
    assert "Lee Leaver Left or inactive – 1 0 0 1 0 Unallocated" in words
    assert "Total 1.50 3 2 1 1 1 1.3" in words
    assert "Request R011 1 duty to do Kit Nobodychild No caseworker recorded" in words
    assert "Download the Excel tracker" in words
    tracker = response.context["tracker_url"]
    assert tracker.startswith(reverse("tracker:export"))
    assert "team=North+team" in tracker
    assert client.get(tracker).status_code == 200


def test_team_work_for_all_teams_or_one_caseworker(client, manager):
    client.force_login(manager)
    everyone = client.get(reverse("reporting:team-work"), {"team": forms.ALL_TEAMS})
    assert "All teams" in text(everyone)
    assert "Ivy Southchild" in table_children(everyone)
    sam = client.get(reverse("reporting:team-work"), {"caseworker": "CW2"})
    assert sam.context["scope"].describe() == "Sam Sampleworker, South team"
    assert set(table_children(sam)) == {"Ivy Southchild", "Cleo Transferchild", "Eve Leapchild", "Lola Babychild"}


@pytest.mark.parametrize("page", ["reporting:team-work", "reporting:team-work-export", "reporting:planner"])
def test_a_team_with_no_caseworkers_yet_shows_empty_lists(client, manager, page):
    """A team just set up in Running the service has nobody in it: its lists are empty, not an error."""
    from sendtrack.records.models import Team

    east = Team.objects.create(name="East team")
    client.force_login(manager)
    params = {"team": str(east.pk), **({"format": "csv", "list": "duties"} if page.endswith("export") else {})}
    response = client.get(reverse(page), params)
    assert response.status_code == 200
    if page == "reporting:team-work":
        assert response.context["counts"].total == 0


@pytest.mark.parametrize(
    ("params", "message"),
    [({"caseworker": "CW99"}, forms.ERR_CASEWORKER), ({"team": "999"}, forms.ERR_TEAM)],
)
def test_a_filter_naming_nobody_is_an_error(client, manager, params, message):
    client.force_login(manager)
    response = client.get(reverse("reporting:team-work"), params)
    assert response.status_code == 400
    assert message in text(response)


# --- reallocation ------------------------------------------------------------------------------------------------


def test_a_manager_reallocates_and_both_caseworkers_lists_change_at_once(client, robin, manager):
    client.force_login(manager)
    back = reverse("reporting:team-work") + "?status=overdue"
    check = client.get(reverse("reporting:reallocate"), {"case": ["requests:R007", "plans:PL010"], "next": back})
    words = text(check)
    assert "Reallocate 2 cases" in words
    assert "Request R007 Gail Waitingchild Robin Exampleworker, North team 1" in words
    assert "EHC plan PL010 Jago Leftchild Unallocated (Lee Leaver has left or is inactive), North team 1" in words
    refs = check.context["cases"]
    response = client.post(reverse("reporting:reallocate"),
                           {"case": [c.ref for c in refs], "caseworker": "CW4", "next": back})  # fmt: skip
    assert response.status_code == 302
    assert response.url == back
    assert "2 cases reallocated to Nia Newworker." in text(client.get(back))
    nia = client.get(reverse("reporting:my-work"))
    assert set(table_children(nia)) == {"Gail Waitingchild", "Jago Leftchild"}
    client.force_login(robin)
    assert "Gail Waitingchild" not in table_children(client.get(reverse("reporting:my-work")))


def test_a_reallocation_without_a_caseworker_or_with_a_stale_case_says_what_to_do(client, manager):
    client.force_login(manager)
    url = reverse("reporting:reallocate")
    nobody = client.post(url, {"case": "requests:R007:1", "caseworker": ""})
    assert nobody.status_code == 400
    assert services.ERR_NO_CASEWORKER in text(nobody)
    Request.objects.filter(pk="R007").update(version=2)  # someone saved it since the page was opened
    stale = client.post(url, {"case": "requests:R007:1", "caseworker": "CW4"})
    assert stale.status_code == 400
    assert services.ERR_CHANGED.format(label="Request R007", child="Gail Waitingchild") in text(stale)
    assert 'value="requests:R007:2"' in stale.content.decode()  # the page now carries the current version
    assert Request.objects.get(pk="R007").caseworker_id == "CW1"


def test_only_caseworkers_who_can_take_work_are_offered(client, manager):
    Caseworker.objects.filter(pk="CW2").update(left_on=dt.date(2026, 1, 1))
    client.force_login(manager)
    response = client.get(reverse("reporting:reallocate"), {"case": "requests:R007"})
    offered = {c.pk for c in response.context["caseworkers"]}
    assert offered == {"CW1", "CW4"}  # not Lee (inactive), not Sam (left)
    refused = client.post(reverse("reporting:reallocate"), {"case": "requests:R007", "caseworker": "CW3"})
    assert refused.status_code == 400
    assert services.ERR_NO_CASEWORKER in text(refused)


def test_the_reallocation_returns_only_to_this_service(client, manager):
    client.force_login(manager)
    response = client.post(reverse("reporting:reallocate"),
                           {"case": "requests:R007", "caseworker": "CW4", "next": "https://evil.example/"})  # fmt: skip
    assert response.url == reverse("reporting:team-work")


def test_the_reallocation_page_with_nothing_selected_explains_how(client, manager):
    client.force_login(manager)
    words = text(client.get(reverse("reporting:reallocate")))
    assert "No case is selected" in words
    assert "tick the cases to reallocate" in words


# --- the planner ----------------------------------------------------------------------------------------------------


def test_the_planner_shows_the_dates_that_keep_each_review_lawful(client, manager):
    client.force_login(manager)
    words = text(client.get(reverse("reporting:planner"), {"team": forms.ALL_TEAMS}))
    assert "Plans whose annual review falls due from 15 January 2026 to 9 April 2026 (12 weeks)" in words
    assert ("Thu 19 Feb 2026 Not due yet Thu 22 Jan 2026 Thu 8 Jan 2026 Eve Leapchild EHC plan PL005 Invitations are "
            "late: send them now for a meeting by Thu 22 Jan 2026 Sam Sampleworker") in words  # fmt: skip
    assert "Phase transfer amend by Sat 14 Feb 2026" in words
    assert "Sat 14 Feb 2026 Not due yet Between school phases moving Tue 1 Sep 2026 Dev Phasechild" in words
    assert "Sat 28 Feb 2026 Not due yet Lola Babychild EHC plan PL012 3 Sam Sampleworker" in words


def test_the_planner_window_is_checked(client, manager):
    client.force_login(manager)
    response = client.get(reverse("reporting:planner"), {"weeks": "60"})
    assert response.status_code == 400
    assert forms.ERR_WEEKS in text(response)


# --- what a page costs --------------------------------------------------------------------------------------------

#: The most queries a Team work page may cost: signing in, the layout and the settings (created on a first visit),
#: the filters' choices, the scope's requests and plans (two) and its duties (one query, however many), the page's
#: lines in full with what decides each one's next step (one), their caseworkers (one), the caseload (two), the
#: unallocated cases (two) and their names. None is per line.
TEAM_WORK_MAX_QUERIES = 28


def test_a_team_work_page_costs_a_bounded_number_of_queries_whatever_it_shows(
    client, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    for params in ({"caseworker": "CW1"}, {}, {"team": forms.ALL_TEAMS}, {"team": forms.ALL_TEAMS, "page": "2"}):
        with django_assert_max_num_queries(TEAM_WORK_MAX_QUERIES):
            assert client.get(reverse("reporting:team-work"), params).status_code == 200
