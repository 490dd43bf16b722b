"""UPN check letter (DfE algorithm), ULN and postcode formats, as DQ101, DQ106 and DQ107 use them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendtrack.domain.quality import Dataset, is_valid_postcode, is_valid_uln, is_valid_upn, run_rules, upn_check_letter
from sendtrack.domain.quality.identifiers import UPN_LETTERS
from tests.domain.quality.builders import AS_OF

# A permanent UPN body: 12 digits. A temporary one: 11 digits and a letter of the UPN alphabet.
PERMANENT = st.text(alphabet="0123456789", min_size=12, max_size=12)
TEMPORARY = st.tuples(st.text(alphabet="0123456789", min_size=11, max_size=11), st.sampled_from(UPN_LETTERS)).map(
    "".join
)
BODIES = st.one_of(PERMANENT, TEMPORARY)


@pytest.mark.parametrize(
    "upn",
    [
        "B801200005001",  # python-stdnum's documented example
        "P207000016049",  # the school-census error 1510 worked example, summed correctly (266 mod 23 = 13 = P)
        "L938200124001",
        "N93820012201A",  # temporary UPN: the last letter counts as its value (A = 0)
    ],
)
def test_valid_upns(upn):
    assert is_valid_upn(upn)


@pytest.mark.parametrize(
    "upn",
    [
        "A801200005001",  # wrong check letter
        "B80120000500",  # 12 characters
        "B8012000050011",  # 14 characters
        "X80120000A001",  # letter inside the number
        "b801200005001",  # lower case
        "B80120000500I",  # I is not a UPN letter
        "",
    ],
)
def test_invalid_upns(upn):
    assert not is_valid_upn(upn)


def _dq101(upn: str) -> list[str]:
    dataset = Dataset.from_tables({"people": [{"person_id": "P1", "upn": upn}]})
    return [f.code for f in run_rules(dataset, as_of=AS_OF, codes=["DQ101"])]


@given(BODIES)
def test_a_generated_upn_passes_dq101(body):
    letter = upn_check_letter(body)
    assert letter is not None
    assert _dq101(letter + body) == []


@given(BODIES, st.sampled_from(UPN_LETTERS))
def test_any_other_check_letter_fails_dq101(body, other):
    letter = upn_check_letter(body)
    if other != letter:
        assert _dq101(other + body) == ["DQ101"]


@given(PERMANENT, st.integers(min_value=0, max_value=11), st.sampled_from("0123456789"))
def test_a_single_digit_change_is_caught(body, position, digit):
    """Weights 2..13 are all below 23 (prime), so changing one digit always changes the check letter."""
    changed = body[:position] + digit + body[position + 1 :]
    if changed != body:
        assert not is_valid_upn(upn_check_letter(body) + changed)


def test_upn_check_letter_refuses_non_bodies():
    assert upn_check_letter("12345") is None
    assert upn_check_letter("1234567890AB") is None
    assert upn_check_letter("12345678901S") is None


@pytest.mark.parametrize(("uln", "valid"), [("1234567890", True), ("123456789", False), ("123456789O", False)])
def test_uln(uln, valid):
    assert is_valid_uln(uln) is valid


@pytest.mark.parametrize(
    "postcode", ["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB", "ec1a1bb", "GIR 0AA"]
)
def test_valid_postcodes(postcode):
    assert is_valid_postcode(postcode)


@pytest.mark.parametrize("postcode", ["SW1A", "1AA SW1A", "SW1A 1A", "SW1A  1AA", "S1 1AAA", "GIR 1AA", "E1 1A1"])
def test_invalid_postcodes(postcode):
    assert not is_valid_postcode(postcode)
