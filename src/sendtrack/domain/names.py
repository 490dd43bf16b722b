"""Name normalisation shared by duplicate detection (DQ104) and reconciliation matching.

Two systems, or two caseworkers, rarely spell a name the same way: "O'Brien", "OBRIEN", "o’brien",
"Smith-Jones" and "Smith Jones" are one family. `data-quality.md` (DQ104) and `reconciliation.md`
(matching rule 3) both say to compare names with case, spaces, hyphens and apostrophes ignored. One
function does that, so that a pair the quality rules call a probable duplicate is also a pair the
reconciliation would match, and vice versa.
"""

from __future__ import annotations

import unicodedata

__all__ = ["IGNORED_CHARACTERS", "normalise_name"]

#: Characters dropped from a name before comparison, besides all whitespace: the ASCII hyphen and
#: apostrophe and their typographic look-alikes (what Word and phone keyboards substitute), plus
#: the backtick and acute accent that people type for an apostrophe.
IGNORED_CHARACTERS = frozenset(
    "-\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphen-minus, hyphen, non-breaking hyphen, figure/en/em dash, minus
    "'\u2018\u2019\u201b\u02bc\u0060\u00b4\u2032"  # apostrophe, curly quotes, modifier apostrophe, `, ´, prime
)


def _step(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = unicodedata.normalize("NFKC", folded)
    return "".join(ch for ch in folded if not ch.isspace() and ch not in IGNORED_CHARACTERS)


def normalise_name(name: str | None) -> str:
    """Return `name` in the form used to compare names: case, spaces, hyphens and apostrophes ignored.

    Unicode is put in NFKC form first, so that a composed and a decomposed "é", or a non-breaking
    space, compare equal to their plain forms. Accents are kept ("Zoë" and "Zoe" stay different):
    the spec does not ask for them to be folded and dropping them would merge different names.
    `None` and blank give `""`; callers treat `""` as "no name" and never match on it.

    The result is a fixed point: `normalise_name(normalise_name(x)) == normalise_name(x)`.
    """
    if not name:
        return ""
    result = _step(name)
    # Case folding can, for a handful of characters, produce text that NFKC changes again; repeat
    # until nothing changes so the function is idempotent (it settles in one or two rounds).
    for _ in range(4):
        again = _step(result)
        if again == result:
            break
        result = again
    return result
