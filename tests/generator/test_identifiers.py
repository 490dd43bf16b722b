"""UPN check letters (DfE), ULN check digits (Learning Records Service), postcodes: worked examples."""

from __future__ import annotations

import random

import pytest

from sendtrack.domain.quality import is_valid_postcode, upn_check_letter
from sendtrack.generator.identifiers import (
    is_valid_uln,
    is_valid_upn,
    make_postcode,
    make_uln,
    make_upn,
    uln_check_digit,
)
from sendtrack.generator.identifiers import upn_check_letter as our_check_letter


def test_upn_check_letter_worked_example() -> None:
    # 3 0 3 2 0 0 1 1 9 0 0 5 weighted 2..13: 6+0+12+10+0+0+8+9+90+0+0+65 = 200; 200 mod 23 = 16 -> T
    assert our_check_letter("303200119005") == "T"
    assert make_upn("303", "2001", 2019, 5) == "T303200119005"


@pytest.mark.parametrize("seed", range(20))
def test_our_upns_agree_with_the_quality_engine(seed: int) -> None:
    rng = random.Random(seed)
    body = "".join(str(rng.randint(0, 9)) for _ in range(12))
    assert our_check_letter(body) == upn_check_letter(body)


def test_a_wrong_check_letter_is_invalid() -> None:
    assert is_valid_upn("T303200119005")
    assert not is_valid_upn("A303200119005")
    assert not is_valid_upn("T30320011900")


def test_uln_worked_example() -> None:
    # HESA / LRS: 9276308686 is valid (weights 10..1 sum to 296, remainder 10 modulo 11)
    assert uln_check_digit("927630868") == 6
    assert is_valid_uln("9276308686")
    assert not is_valid_uln("9276308685")


def test_generated_ulns_and_postcodes_are_valid() -> None:
    rng = random.Random(1)
    for _ in range(200):
        assert is_valid_uln(make_uln(rng))
        postcode = make_postcode(rng, 1 + int(rng.random() * 20))
        assert is_valid_postcode(postcode)
        assert postcode.startswith("SF")  # no such postcode area: no real address
