"""Terminal output: progress bars on a terminal only, one-line errors on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

ProgressFn = Callable[[str, int, int], None]


def fail(message: str, code: int = 2) -> None:
    """A one-line message on stderr and the exit status of `cli.md` (2: bad usage or unreadable input)."""
    click.echo(f"sendtrack: {message}", err=True)
    raise SystemExit(code)


@contextmanager
def progress_bar(enabled: bool | None = None) -> Iterator[ProgressFn]:
    """Yields a `progress(stage, done, total)` callback: a rich bar on a terminal, nothing otherwise."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        yield lambda stage, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=False
    ) as bar:
        tasks: dict[str, object] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        yield update
