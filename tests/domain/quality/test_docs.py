"""The committed catalogue page is what the code would write today."""

from __future__ import annotations

from pathlib import Path

from sendtrack.domain.quality import all_rules, catalogue_markdown

PAGE = Path(__file__).resolve().parents[3] / "docs" / "rules" / "quality.md"


def test_catalogue_page_is_up_to_date():
    assert PAGE.read_text(encoding="utf-8") == catalogue_markdown(), "run: .venv/bin/python scripts/write_rule_docs.py"


def test_catalogue_page_shows_every_rule_and_message():
    text = catalogue_markdown()
    for rule in all_rules():
        assert f"### {rule.code} {rule.title}" in text
        assert rule.message in text
