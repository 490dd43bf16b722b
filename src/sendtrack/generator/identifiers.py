"""Identifiers a synthetic person carries: UPN, ULN, postcode, and the establishment numbers.

Why these are computed rather than random strings: the data-quality rules check UPN check letters
(DQ101), ULN length (DQ107) and postcode format (DQ106), and a clean synthetic council must pass
them all. So UPNs carry the DfE check letter, ULNs the Learning Records Service check digit, and
postcodes a valid UK shape, while staying obviously fictional: the postcode area `SF` does not
exist, and establishment numbers sit in ranges no real school or provider uses.
"""

from __future__ import annotations

import random

__all__ = [
    "POSTCODE_AREA",
    "UPN_LETTERS",
    "is_valid_uln",
    "is_valid_upn",
    "make_postcode",
    "make_uln",
    "make_upn",
    "uln_check_digit",
    "upn_check_letter",
]

#: The 23 letters a UPN uses, in value order (A = 0 ... Z = 22; I, O and S are never used).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"

#: A postcode area that does not exist in the UK ("Sandford"), so no generated postcode is an address.
POSTCODE_AREA = "SF"
#: Letters allowed in the last two characters of a UK postcode (inward code): no C, I, K, M, O, V.
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def upn_check_letter(body: str) -> str:
    """The check letter for the 12 digits that follow it (DfE UPN guidance).

    Each digit in position p (p = 2..13 of the whole UPN) is multiplied by p; the sum modulo 23
    indexes `UPN_LETTERS`. Only permanent UPNs (12 digits) are generated.
    """
    if len(body) != 12 or not body.isdigit():
        raise ValueError(f"a UPN body is 12 digits, got {body!r}")
    total = sum(int(ch) * position for position, ch in enumerate(body, start=2))
    return UPN_LETTERS[total % 23]


def make_upn(la_code: str, establishment: str, year: int, serial: int) -> str:
    """A permanent UPN: check letter, LA number (3), establishment number (4), year (2), serial (3).

    That is the DfE layout: the LA and school that first allocated it, the two-digit year of
    allocation and a serial within that school and year.
    """
    body = f"{la_code:0>3}{establishment:0>4}{year % 100:02d}{serial % 1000:03d}"
    return upn_check_letter(body) + body


def is_valid_upn(upn: str) -> bool:
    """Whether `upn` is 13 characters, 12 digits after a correct check letter."""
    return len(upn) == 13 and upn[1:].isdigit() and upn[0] == upn_check_letter(upn[1:])


def uln_check_digit(first9: str) -> int | None:
    """The 10th digit that makes a ULN valid, or None if no digit can (that body is not used).

    Learning Records Service rule: digits weighted 10, 9, ..., 1 sum to a remainder of 10 modulo 11.
    """
    total = sum(int(ch) * weight for ch, weight in zip(first9, range(10, 1, -1), strict=True))
    digit = (10 - total) % 11
    return None if digit == 10 else digit


def make_uln(rng: random.Random) -> str:
    """A valid 10-digit ULN (first digit non-zero, correct check digit)."""
    while True:
        first9 = str(rng.randint(100_000_000, 999_999_999))
        check = uln_check_digit(first9)
        if check is not None:
            return first9 + str(check)


def is_valid_uln(uln: str) -> bool:
    return len(uln) == 10 and uln.isdigit() and uln[0] != "0" and uln_check_digit(uln[:9]) == int(uln[9])


def make_postcode(rng: random.Random, district: int) -> str:
    """A valid-format postcode in the fictional `SF` area, e.g. `SF7 3QD`."""
    letters = _INWARD_LETTERS
    return (
        f"{POSTCODE_AREA}{district} {int(rng.random() * 10)}"
        f"{letters[int(rng.random() * len(letters))]}{letters[int(rng.random() * len(letters))]}"
    )
