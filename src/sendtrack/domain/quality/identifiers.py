"""Format checks for the identifiers a person carries: UPN, ULN and postcode.

Kept apart from the rules so the reconciliation (which matches people on "same UPN, both valid")
and the synthetic-data generator can use the same definition of "valid".
"""

from __future__ import annotations

import re

__all__ = [
    "UPN_LETTERS",
    "is_valid_postcode",
    "is_valid_uln",
    "is_valid_upn",
    "upn_check_letter",
]

#: The 23 letters a UPN uses, in value order: A = 0 ... Z = 22, skipping I, O and S (DfE, "Unique
#: Pupil Numbers (UPNs): guidance for schools and local authorities"; UK Government Data Standards
#: Catalogue, Unique Pupil Number v2.0).
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_LETTER_VALUE = {letter: value for value, letter in enumerate(UPN_LETTERS)}


def upn_check_letter(body: str) -> str | None:
    """The check letter for characters 2–13 of a UPN, or `None` if they are not a UPN body.

    DfE algorithm: multiply the character in position p (p = 2..13) by p; a letter in position 13
    (a temporary UPN) counts as its value in `UPN_LETTERS`; sum, take the remainder modulo 23, and
    read the letter with that value. Positions 2–12 must be digits; position 13 a digit or a letter
    of `UPN_LETTERS`.
    """
    if len(body) != 12 or not body[:11].isascii() or not body[:11].isdigit():
        return None
    last = body[11]
    if last.isascii() and last.isdigit():
        last_value = int(last)
    elif last in _LETTER_VALUE:
        last_value = _LETTER_VALUE[last]
    else:
        return None
    total = sum(int(ch) * position for position, ch in enumerate(body[:11], start=2)) + last_value * 13
    return UPN_LETTERS[total % 23]


def is_valid_upn(upn: str) -> bool:
    """Whether a UPN is 13 characters with the right check letter (permanent or temporary UPN).

    Upper case only: DfE's format is capital letters, and the SEN2 return carries the UPN as typed.
    """
    if len(upn) != 13:
        return False
    expected = upn_check_letter(upn[1:])
    return expected is not None and upn[0] == expected


_ULN = re.compile(r"[0-9]{10}")


def is_valid_uln(uln: str) -> bool:
    """Whether a ULN is 10 digits (`data-quality.md` DQ107 asks for the length and digits only)."""
    return _ULN.fullmatch(uln) is not None


# The six UK postcode shapes (A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA) plus the
# Girobank GIR 0AA, with the one space optional and any case accepted: a check of format, not of
# existence (that needs the ONS postcode directory, which `domain` does not carry).
_POSTCODE = re.compile(r"(?:[A-Z]{1,2}[0-9][0-9A-Z]?|GIR) ?[0-9][A-Z]{2}")


def is_valid_postcode(postcode: str) -> bool:
    """Whether a postcode has a valid UK postcode format (outward code, optional space, inward code)."""
    text = postcode.strip().upper()
    if text.startswith("GIR"):
        return text in ("GIR 0AA", "GIR0AA")
    return _POSTCODE.fullmatch(text) is not None
