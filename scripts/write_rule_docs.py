"""Write the data-quality catalogue page, docs/rules/quality.md, from the rules in code.

    .venv/bin/python scripts/write_rule_docs.py           # rewrite the page
    .venv/bin/python scripts/write_rule_docs.py --check   # exit 1 if the committed page is stale

The page is never edited by hand: `tests/domain/quality/test_docs.py` fails when it differs from what
this script would write, so run the script after changing a rule and commit both.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "rules" / "quality.md"
sys.path.insert(0, str(ROOT / "src"))

from sendtrack.domain.quality import catalogue_markdown  # noqa: E402 - after the path is set


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the page is up to date")
    args = parser.parse_args(argv)
    text = catalogue_markdown()
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != text:
            sys.stderr.write(f"{PAGE.relative_to(ROOT)} is out of date: run scripts/write_rule_docs.py\n")
            return 1
        return 0
    PAGE.parent.mkdir(parents=True, exist_ok=True)
    PAGE.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {PAGE.relative_to(ROOT)}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
