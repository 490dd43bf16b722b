"""The rule catalogue, one module per group of `data-quality.md`.

Importing this package registers every rule with the engine (`engine.rule`); the engine imports it
on first use, so callers never need to.
"""

from sendtrack.domain.quality.rules import dates, identity, migration, plans, process

__all__ = ["dates", "identity", "migration", "plans", "process"]
