"""`normalise_name`: the one definition of "the same name" for duplicates (DQ104) and reconciliation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendtrack.domain.names import IGNORED_CHARACTERS, normalise_name

NOISE = st.sampled_from([" ", "-", "'", "\u2019", "\u2018", "\u2010", "\u2013", "\u00a0", "\t"])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("O'Brien", "OBRIEN"),
        ("O’Brien", "o brien"),
        ("Smith-Jones", "Smith Jones"),
        ("  Mary  Kate ", "marykate"),
        ("Zoe\u0301", "Zoé"),  # decomposed and composed accents
        ("STRASSE", "straße"),  # case folding, not just lower()
    ],
)
def test_same_name(a, b):
    assert normalise_name(a) == normalise_name(b)


@pytest.mark.parametrize(("a", "b"), [("Zoë", "Zoe"), ("Ann", "Anne"), ("O.Brien", "OBrien")])
def test_different_names(a, b):
    assert normalise_name(a) != normalise_name(b)


def test_blank():
    assert normalise_name(None) == ""
    assert normalise_name("") == ""
    assert normalise_name(" - ' ") == ""


@given(st.text())
def test_idempotent(name):
    once = normalise_name(name)
    assert normalise_name(once) == once


@given(st.text(), st.lists(st.tuples(st.integers(min_value=0), NOISE)))
def test_ignores_spaces_hyphens_and_apostrophes(name, insertions):
    noisy = name
    for position, noise in insertions:
        at = position % (len(noisy) + 1)
        noisy = noisy[:at] + noise + noisy[at:]
    assert normalise_name(noisy) == normalise_name(name)


@given(st.text(alphabet=st.characters(codec="latin-1")))
def test_ignores_case(name):
    """For the Latin-1 letters English records use (a dotless Turkish ı is another letter, not another case)."""
    assert normalise_name(name.upper()) == normalise_name(name.lower()) == normalise_name(name)


@given(st.text())
def test_result_has_no_ignored_characters(name):
    result = normalise_name(name)
    assert not any(ch.isspace() or ch in IGNORED_CHARACTERS for ch in result)
