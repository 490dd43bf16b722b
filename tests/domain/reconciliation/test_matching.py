"""Matching (reconciliation.md): each rule in order, each match naming its rule, ties reported not guessed."""

from __future__ import annotations

import datetime as dt

import pytest

from sendtrack.domain.reconciliation import reconcile
from tests.domain.reconciliation.builders import D, add_case, council, empty, renumbered, row, upn


def run(old, new):
    return reconcile(old, new, as_of=D(2025, 1, 31), kpis=None)


def matched(result, table):
    return {(m.old_id, m.new_id): m.rule for m in result.matches if m.table == table}


def unmatched(result, table, side):
    return {u.record_id: u.reason for u in result.unmatched if u.table == table and u.side == side}


def test_identical_extracts_with_renumbered_keys_match_every_record():
    old = council(3)
    result = run(old, renumbered(old))
    for table in ("people", "requests", "assessments", "advice", "plans", "placements", "needs", "reviews"):
        pairs = matched(result, table)
        assert len(pairs) == len(old[table]), table
    assert matched(result, "people") == {(f"P{n}", f"N-P{n}"): "upn" for n in (1, 2, 3)}
    assert not result.unmatched
    assert not result.differences


# --- people ---------------------------------------------------------------------------------------


def _one_person(**changes):
    old = empty()
    add_case(old, 1, surname="O'Brien-Smith", forename="Mary Ann", birth=D(2012, 5, 6))
    new = renumbered(old)
    row(new, "people", person_id="N-P1").update(changes)
    return old, new


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({}, "upn"),
        ({"upn": None, "uln": "1234567890"}, "uln"),
        ({"upn": None}, "name_and_birth_date"),
        ({"upn": None, "surname": "OBRIEN SMITH", "forename": "mary-ann"}, "name_and_birth_date"),
        ({"upn": None, "surname": "o’brien–smith"}, "name_and_birth_date"),  # typographic apostrophe and dash
        ({"upn": None, "forename": "Mary"}, "truncated_name"),
        ({"upn": None, "surname": "O'Brien-Sm"}, "truncated_name"),
        ({"upn": None, "surname": "O'Brien-Sm", "forename": "Mary A"}, "truncated_name"),
    ],
    ids=[
        "upn",
        "uln",
        "names",
        "names-case-spaces-hyphens",
        "names-typographic",
        "forename-cut",
        "surname-cut",
        "both-cut",
    ],  # fmt: skip
)
def test_each_person_rule_matches_and_names_itself(changes, rule):
    old, new = _one_person(**changes)
    if rule == "uln":
        row(old, "people", person_id="P1").update(upn=None, uln="1234567890")
    assert matched(run(old, new), "people") == {("P1", "N-P1"): rule}


def test_the_same_upn_is_not_a_match_when_it_fails_its_check_letter():
    old, new = _one_person(forename="Someone", birth_date=D(2001, 1, 1))
    bad = "A" + upn(1)[1:] if upn(1)[0] != "A" else "B" + upn(1)[1:]
    row(old, "people", person_id="P1")["upn"] = bad
    row(new, "people", person_id="N-P1")["upn"] = bad
    result = run(old, new)
    assert matched(result, "people") == {}
    assert "fails its check digit" in unmatched(result, "people", "old")["P1"]


def test_a_different_birth_date_defeats_the_name_rules_and_the_near_miss_says_so():
    old, new = _one_person(upn=None, birth_date=D(2012, 6, 5))  # day and month swapped
    result = run(old, new)
    assert matched(result, "people") == {}
    reason = unmatched(result, "people", "old")["P1"]
    assert "N-P1" in reason
    assert "day and month swapped" in reason
    assert "surname" in reason
    assert "forename" in reason


def test_a_person_with_no_candidate_at_all_says_so():
    old, new = _one_person(upn=None, surname="Different", forename="Person", birth_date=D(1999, 9, 9))
    result = run(old, new)
    reason = unmatched(result, "people", "old")["P1"]
    assert reason == "no person in new shares its UPN, its ULN, both its names or its birth date"


def test_two_equally_good_candidates_are_a_tie_reported_not_guessed():
    old = empty()
    add_case(old, 1, surname="Twin", forename="Alex", birth=D(2014, 2, 2), with_upn=False)
    new = renumbered(old)
    add_case(new, 2, surname="Twin", forename="Alex", birth=D(2014, 2, 2), with_upn=False)  # a duplicate in new
    result = run(old, new)
    assert matched(result, "people") == {}
    assert "tie under rule name_and_birth_date" in unmatched(result, "people", "old")["P1"]
    assert {t.record_id for t in result.ties if t.table == "people"} == {"P1", "N-P1", "P2"}
    # and the children of a person who is not matched are not matched either
    assert matched(result, "requests") == {}
    assert unmatched(result, "requests", "old")["R1"] == "its person P1 has no match in new"


def test_a_truncation_tie_is_not_guessed_either():
    old = empty()
    add_case(old, 1, surname="Longname", forename="Christopher", birth=D(2014, 2, 2), with_upn=False)
    add_case(old, 2, surname="Longname", forename="Christina", birth=D(2014, 2, 2), with_upn=False)
    new = renumbered(old)
    for person in new["people"]:
        person["forename"] = "Christ"  # both cut to the same six letters
    result = run(old, new)
    assert matched(result, "people") == {}
    assert all("tie under rule truncated_name" in r for r in unmatched(result, "people", "old").values())


def test_a_later_rule_resolves_what_an_earlier_rule_tied():
    old = empty()
    add_case(old, 1, surname="Shared", forename="Upn", birth=D(2013, 3, 3))
    add_case(old, 2, surname="Other", forename="Child", birth=D(2012, 2, 2))
    row(old, "people", person_id="P2")["upn"] = upn(1)  # the legacy system gave two children one UPN
    new = renumbered(old)
    row(new, "people", person_id="N-P2")["upn"] = None
    result = run(old, new)
    assert matched(result, "people") == {("P1", "N-P1"): "name_and_birth_date", ("P2", "N-P2"): "name_and_birth_date"}
    assert not result.ties


def test_each_person_is_matched_at_most_once():
    old = council(4)
    new = renumbered(old)
    for person in new["people"]:
        person["upn"] = upn(1)  # every new person claims person 1's UPN
    result = run(old, new)
    news = [new_id for (_, new_id) in matched(result, "people")]
    olds = [old_id for (old_id, _) in matched(result, "people")]
    assert len(news) == len(set(news))
    assert len(olds) == len(set(olds))
    assert set(matched(result, "people").values()) == {"name_and_birth_date"}


# --- records under a matched person ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({}, "same_received_date"),
        ({"received_date": D(2024, 1, 1)}, "same_outcome_date"),
        ({"received_date": D(2024, 1, 15), "request_outcome_date": D(2024, 2, 6)}, "received_within_7_days"),
    ],
)
def test_request_rules(changes, rule):
    old = council(1)
    new = renumbered(old)
    row(new, "requests", request_id="N-R1").update(changes)
    assert matched(run(old, new), "requests") == {("R1", "N-R1"): rule}


def test_a_request_eight_days_out_with_a_different_outcome_date_is_not_matched():
    old = council(1)
    new = renumbered(old)
    row(new, "requests", request_id="N-R1").update(received_date=D(2024, 1, 16), request_outcome_date=D(2024, 2, 9))
    result = run(old, new)
    assert matched(result, "requests") == {}
    reason = unmatched(result, "requests", "old")["R1"]
    assert reason.startswith("the matched person (new N-P1) has 1 request record, none with the same received date")
    assert "the nearest unmatched one in new is N-R1, dated 8 days later" in reason
    # its assessment hangs from an unmatched request, so it is unmatched too
    assert unmatched(result, "assessments", "old")["A1"] == "its request R1 has no match in new"


def test_the_nearest_request_within_7_days_wins_and_equal_distances_tie():
    old = council(1)
    base = row(old, "requests", request_id="R1")
    base.update(request_outcome=None, request_outcome_date=None)
    new = renumbered(old)
    row(new, "requests", request_id="N-R1")["received_date"] = D(2024, 1, 11)  # 3 days after
    extra = dict(row(new, "requests", request_id="N-R1"), request_id="N-RX", received_date=D(2024, 1, 13))
    new["requests"].append(extra)  # 5 days after: further
    assert matched(run(old, new), "requests") == {("R1", "N-R1"): "received_within_7_days"}
    extra["received_date"] = D(2024, 1, 5)  # 3 days before: as near as N-R1
    result = run(old, new)
    assert matched(result, "requests") == {}
    assert "tie under rule received_within_7_days" in unmatched(result, "requests", "old")["R1"]


def test_plans_reviews_and_the_rest_follow_their_parents():
    old = council(2)
    new = renumbered(old)
    row(new, "plans", plan_id="N-PL1")["start_date"] = D(2024, 5, 23)  # 3 days later
    row(new, "reviews", review_id="N-RV1")["meeting_date"] = D(2025, 3, 1)  # moved, decision date kept
    row(new, "reviews", review_id="N-RV2").update(meeting_date=D(2025, 3, 20), decision_date=D(2025, 3, 31))
    result = run(old, new)
    assert matched(result, "plans") == {("PL1", "N-PL1"): "start_within_7_days", ("PL2", "N-PL2"): "same_start_date"}
    assert matched(result, "assessments") == {("A1", "N-A1"): "through_request", ("A2", "N-A2"): "through_request"}
    assert matched(result, "reviews") == {("RV1", "N-RV1"): "same_decision_date",
                                          ("RV2", "N-RV2"): "meeting_within_7_days"}  # fmt: skip
    assert matched(result, "needs") == {("PL1|1", "N-PL1|1"): "same_rank", ("PL2|1", "N-PL2|1"): "same_rank"}
    assert matched(result, "advice")[("V10", "N-V10")] == "same_advice_type"
    placements = matched(result, "placements")
    assert placements[("PL1|attended|1|2024-05-20", "N-PL1|attended|1|2024-05-20")] == "same_kind_and_rank"


def test_two_placements_of_one_kind_and_rank_are_told_apart_by_entry_date():
    old = council(1)
    first = row(old, "placements", plan_id="PL1")
    first["leaving_date"] = D(2024, 8, 31)
    old["placements"].append(dict(first, entry_date=D(2024, 9, 1), leaving_date=None, urn="100002"))
    new = renumbered(old)
    pairs = matched(run(old, new), "placements")
    assert set(pairs.values()) == {"same_kind_rank_and_entry_date"}
    assert len(pairs) == 2


def test_caseworkers_are_matched_by_name_across_renumbered_ids():
    old = council(1)
    new = renumbered(old)
    row(new, "caseworkers", caseworker_id="N-CW1")["name"] = "CASEY  WORKER"
    result = run(old, new)
    assert matched(result, "caseworkers") == {("CW1", "N-CW1"): "same_name"}
    # the requests' caseworker ids differ in text but name the matched caseworker: no difference
    assert not [d for d in result.differences if d.field == "caseworker_id"]


def test_matching_does_not_depend_on_row_order():
    old = council(5)
    new = renumbered(old)
    for rows in new.values():
        rows.reverse()
    first = run(old, new)
    for rows in old.values():
        rows.reverse()
    second = run(old, new)
    assert first.matches == second.matches
    assert first.unmatched == second.unmatched


def test_a_record_whose_parent_is_missing_from_its_extract_says_so():
    old = council(1)
    new = renumbered(old)
    old["requests"].append(dict(row(old, "requests", request_id="R1"), request_id="R9", person_id="P404"))
    result = run(old, new)
    assert unmatched(result, "requests", "old")["R9"] == "its person is not in this extract"


def test_an_as_of_date_is_needed_when_no_extract_date_is_known():
    with pytest.raises(ValueError, match="as-of date"):
        reconcile(council(1), council(1), kpis=None)
    with pytest.raises(ValueError, match="both ends"):
        reconcile(council(1), council(1), as_of=D(2025, 1, 1), period_from=D(2024, 1, 1), kpis=None)
    with pytest.raises(ValueError, match="after it ends"):
        reconcile(council(1), council(1), as_of=D(2025, 1, 1), period_from=D(2024, 2, 1),
                  period_to=D(2024, 1, 1), kpis=None)  # fmt: skip


def test_the_default_as_of_is_the_earlier_extract_date_and_the_period_its_calendar_year():
    from sendtrack.domain.reconciliation import SideInfo

    result = reconcile(
        council(1),
        renumbered(council(1)),
        old=SideInfo("old", "legacy", D(2025, 3, 1), "303"),
        new=SideInfo("new", "ncs", D(2025, 4, 1), "303"),
        kpis=None,
    )
    assert result.as_of == D(2025, 3, 1)
    assert (result.period_from, result.period_to) == (D(2025, 1, 1), D(2025, 12, 31))
    assert isinstance(result.as_of, dt.date)
