"""DQ1xx identity rules: one firing and one silent case per code at least, from the clean council."""

from __future__ import annotations

import pytest

from tests.domain.quality.builders import D, add, case_id, cases_for, copy_row, fires, run_case, set_, silent

P1 = ("people", "P1")

CASES = [
    # DQ101 UPN malformed
    fires("DQ101", "wrong-check-letter", set_("people", "P1", upn="M938200124001"), expect=[(*P1, ("upn",))]),
    fires("DQ101", "twelve-characters", set_("people", "P1", upn="L93820012400"), expect=[(*P1, ("upn",))]),
    fires("DQ101", "lower-case", set_("people", "P1", upn="l938200124001"), expect=[(*P1, ("upn",))]),
    fires("DQ101", "letter-inside", set_("people", "P1", upn="L9382001A4001"), expect=[(*P1, ("upn",))]),
    fires("DQ101", "check-letter-I", set_("people", "P1", upn="I938200124001"), expect=[(*P1, ("upn",))]),
    silent("DQ101", "clean"),
    silent("DQ101", "temporary-upn", set_("people", "P1", upn="C93820012201B")),
    silent("DQ101", "surrounding-spaces", set_("people", "P1", upn=" L938200124001 ")),
    silent("DQ101", "blank-string", set_("people", "P1", upn="")),
    # DQ102 no identifier
    fires("DQ102", "no-upn", set_("people", "P1", upn=None), expect=[(*P1, ("upn", "uln", "upn_unknown"))]),
    fires(
        "DQ102",
        "no-reason",
        set_("people", "P4", upn_unknown=None),
        expect=[("people", "P4", ("upn", "uln", "upn_unknown"))],
    ),  # fmt: skip
    silent("DQ102", "clean-uln-only-and-reason-only"),
    silent("DQ102", "malformed-upn-is-present", set_("people", "P1", upn="X")),
    # DQ103 shared UPN
    fires(
        "DQ103",
        "two-people",
        set_("people", "P3", upn="L938200124001"),
        expect=[(*P1, ("upn",)), ("people", "P3", ("upn",))],
    ),  # fmt: skip
    fires(
        "DQ103",
        "case-differs",
        set_("people", "P3", upn="l938200124001"),
        expect=[(*P1, ("upn",)), ("people", "P3", ("upn",))],
    ),  # fmt: skip
    silent("DQ103", "clean"),
    silent("DQ103", "blank-upns-are-not-shared", set_("people", "P1", upn=None), set_("people", "P3", upn=None)),
    # DQ104 probable duplicate
    fires(
        "DQ104",
        "same-name-and-birth",
        set_("people", "P6", birth_date=D(2007, 6, 1)),
        expect=[
            ("people", "P2", ("surname", "forename", "birth_date")),
            ("people", "P6", ("surname", "forename", "birth_date")),
        ],
    ),  # fmt: skip
    fires(
        "DQ104",
        "normalised-spelling",
        copy_row("people", "P1", person_id="P7", upn=None, surname="o’brien", forename="MARY KATE"),
        expect=[(*P1, ("surname", "forename", "birth_date")), ("people", "P7", ("surname", "forename", "birth_date"))],
    ),  # fmt: skip
    fires(
        "DQ104",
        "hyphen-and-spaces",
        copy_row("people", "P3", person_id="P8", upn=None, surname=" K-han ", forename="Ay aan"),
        expect=[
            ("people", "P3", ("surname", "forename", "birth_date")),
            ("people", "P8", ("surname", "forename", "birth_date")),
        ],
    ),  # fmt: skip
    silent("DQ104", "clean-same-name-other-birth-date"),
    silent("DQ104", "same-birth-other-forename", copy_row("people", "P1", person_id="P7", forename="Maria")),
    silent(
        "DQ104",
        "blank-names-never-match",
        set_("people", "P2", surname=None, birth_date=D(2021, 1, 15)),
        set_("people", "P6", surname=None),
    ),
    # DQ105 birth date
    fires("DQ105", "missing", set_("people", "P1", birth_date=None), expect=[(*P1, ("birth_date",))]),
    fires(
        "DQ105", "future", set_("people", "P6", birth_date=D(2025, 2, 1)), expect=[("people", "P6", ("birth_date",))]
    ),
    fires(
        "DQ105",
        "over-25-at-request",
        set_("people", "P2", birth_date=D(1998, 10, 31)),
        expect=[("people", "P2", ("birth_date",))],
    ),  # fmt: skip
    fires(
        "DQ105", "born-after-request", set_("people", "P1", birth_date=D(2023, 10, 1)), expect=[(*P1, ("birth_date",))]
    ),  # fmt: skip
    fires(
        "DQ105",
        "over-25-at-plan-start",
        set_("people", "P3", birth_date=D(1995, 5, 31)),
        expect=[("people", "P3", ("birth_date",))],
    ),  # fmt: skip
    silent("DQ105", "clean"),
    silent("DQ105", "exactly-25-at-request", set_("people", "P2", birth_date=D(1998, 11, 2))),
    silent("DQ105", "born-on-request-day", set_("people", "P6", birth_date=D(2025, 1, 6))),
    # DQ106 postcode format
    fires("DQ106", "too-long", set_("people", "P1", postcode="SW1A 1AAA"), expect=[(*P1, ("postcode",))]),
    fires("DQ106", "digits", set_("people", "P1", postcode="12345"), expect=[(*P1, ("postcode",))]),
    fires("DQ106", "hyphen", set_("people", "P1", postcode="SW1A-1AA"), expect=[(*P1, ("postcode",))]),
    silent("DQ106", "clean"),
    silent("DQ106", "lower-case-no-space", set_("people", "P1", postcode="sw1a1aa")),
    silent("DQ106", "girobank", set_("people", "P1", postcode="GIR 0AA")),
    # DQ107 ULN
    fires("DQ107", "nine-digits", set_("people", "P2", uln="123456789"), expect=[("people", "P2", ("uln",))]),
    fires("DQ107", "letter", set_("people", "P2", uln="12345A7890"), expect=[("people", "P2", ("uln",))]),
    fires("DQ107", "eleven-digits", set_("people", "P2", uln="12345678901"), expect=[("people", "P2", ("uln",))]),
    silent("DQ107", "clean"),
    silent("DQ107", "blank", set_("people", "P2", uln=None)),
    silent("DQ107", "new-person-with-uln", add("people", person_id="P9", uln="9999999999")),
]


@pytest.mark.parametrize("case", cases_for(CASES, "DQ101"), ids=case_id)
def test_dq101_upn_malformed(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ102"), ids=case_id)
def test_dq102_no_identifier(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ103"), ids=case_id)
def test_dq103_shared_upn(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ104"), ids=case_id)
def test_dq104_probable_duplicate(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ105"), ids=case_id)
def test_dq105_birth_date(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ106"), ids=case_id)
def test_dq106_postcode_format(case):
    run_case(case)


@pytest.mark.parametrize("case", cases_for(CASES, "DQ107"), ids=case_id)
def test_dq107_uln_format(case):
    run_case(case)
