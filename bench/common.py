"""What every benchmark script needs besides its own measurements: a description of the machine it ran on,
and a fresh database to load a council into. Scripts run as `python bench/NAME.py`, so `bench/` is on the path."""

from __future__ import annotations

import os
import platform
from pathlib import Path

#: The PostgreSQL server the benchmarks use (trust authentication, as in CI), and its maintenance database.
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


def _first(path: str, prefix: str) -> str | None:
    try:
        return next((line for line in Path(path).read_text().splitlines() if line.startswith(prefix)), None)
    except OSError:
        return None


def machine() -> str:
    """Cores, CPU model, memory and Python version, for the line each benchmark prints before its figures."""
    model = _first("/proc/cpuinfo", "model name")
    cpu = model.split(":", 1)[1].strip() if model else platform.processor() or "unknown CPU"
    total = _first("/proc/meminfo", "MemTotal")
    ram = f", {int(total.split()[1]) / 1024 / 1024:.0f} GiB RAM" if total else ""
    return f"{os.cpu_count()} cores, {cpu}{ram}, Python {platform.python_version()}"


def fresh_database(kind: str, folder: str | os.PathLike[str], name: str) -> str:
    """The URL of an empty database for a run: a new SQLite file `NAME.sqlite3` in `folder`, or the PostgreSQL
    database `sendtrack_bench_NAME`, dropped and created again."""
    if kind == "sqlite":
        path = Path(folder) / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    database = f"sendtrack_bench_{name}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    return f"{PG_SERVER}/{database}"
