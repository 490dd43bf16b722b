"""Shared fixtures only; factories live in tests/factories, fixtures close to their tests."""

from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "sendtrack" / "examples" / "small"


@pytest.fixture
def example_path() -> Path:
    """The small hand-made extract shipped with the package (the spec's worked examples)."""
    return EXAMPLE
