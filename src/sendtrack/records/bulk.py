"""Fast inserts and updates for the bulk write path: executemany with values prepared once per field.

Django's `bulk_create` prepares every value of every object through the field machinery, which for a
council's extract (hundreds of thousands of records, their history rows and their milestones) costs
far more than the database itself. Here each field gets one converter, chosen once per backend, that
does what `Field.get_db_prep_save` would for the field types our models use, and rows go to the
database with `executemany`. Only `records.services` calls this: it is a speed, not a second path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, models

BATCH = 2000
Converter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def converter(field: models.Field[Any, Any]) -> Converter:
    """A value converter equivalent to `field.get_db_prep_save(value, connection)` for this backend."""
    internal = field.get_internal_type()
    sqlite = connection.vendor == "sqlite"
    if internal in (
        "CharField",
        "TextField",
        "BigIntegerField",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "BooleanField",
        "AutoField",
        "BigAutoField",
    ):
        return _identity
    if internal == "ForeignKey":
        return converter(field.target_field)  # type: ignore[attr-defined]
    if internal == "DateField":
        return (lambda v: None if v is None else v.isoformat()) if sqlite else _identity
    if internal == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    if internal == "DecimalField":
        digits, places = field.max_digits, field.decimal_places  # type: ignore[attr-defined]
        return lambda v: connection.ops.adapt_decimalfield_value(v, digits, places)
    return lambda v: field.get_db_prep_save(v, connection)


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """INSERT rows (tuples in the order of `columns`, given as attnames) into the model's table."""
    fields = [model._meta.get_field(_field_name(model, c)) for c in columns]
    convert = [converter(f) for f in fields]
    qn = connection.ops.quote_name
    if connection.vendor == "postgresql":
        return _copy_rows(model, [qn(f.column) for f in fields], convert, rows)
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    count = 0
    with connection.cursor() as cursor:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(tuple(c(v) for c, v in zip(convert, row, strict=True)))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def _copy_rows(
    model: type[models.Model], columns: list[str], convert: list[Converter], rows: Iterable[Sequence[Any]]
) -> int:
    """PostgreSQL: COPY ... FROM STDIN, an order of magnitude faster than INSERTs for a load."""
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) FROM STDIN"
    identity = all(c is _identity for c in convert)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row if identity else [c(v) for c, v in zip(convert, row, strict=True)])
            count += 1
    return count


def update_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """UPDATE by primary key: each row is (pk, *values in the order of `columns`)."""
    fields = [model._meta.get_field(_field_name(model, c)) for c in columns]
    pk = model._meta.pk
    assert pk is not None
    convert = [converter(pk), *(converter(f) for f in fields)]
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
    sql = f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {qn(pk.column)} = %s"
    count = 0
    with connection.cursor() as cursor:
        batch = []
        for row in rows:
            values = [c(v) for c, v in zip(convert, row, strict=True)]
            batch.append((*values[1:], values[0]))
            if len(batch) >= BATCH:
                cursor.executemany(sql, batch)
                count += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            count += len(batch)
    return count


def allocate_ids(model: type[models.Model], n: int) -> list[int]:
    """`n` fresh primary keys for a model with an auto-increment key (inside the caller's transaction)."""
    if n == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [r[0] for r in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + n))


def delete_all(model: type[models.Model]) -> None:
    """Empty a table inside the caller's transaction (TRUNCATE on PostgreSQL, which is transactional there)."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}")


@contextmanager
def indexes_dropped(model: type[models.Model]) -> Iterator[None]:
    """Drop the table's secondary indexes for the block and rebuild them after it, in the caller's
    transaction: for replacing every row of a large derived table, building each index once is far
    cheaper than maintaining it on every insert."""
    if not connection.in_atomic_block:
        raise RuntimeError("indexes_dropped needs a transaction: a failure must take the dropped indexes back")
    table = model._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexes = {
        name: c["columns"]
        for name, c in constraints.items()
        if c.get("index") and not c.get("primary_key") and not c.get("unique") and c.get("columns")
    }
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for name in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    with connection.cursor() as cursor:
        for name, columns in indexes.items():
            cursor.execute(f"CREATE INDEX {qn(name)} ON {qn(table)} ({', '.join(qn(c) for c in columns)})")


def _field_name(model: type[models.Model], attname: str) -> str:
    for f in model._meta.concrete_fields:
        if f.attname == attname:
            return f.name
    return attname
