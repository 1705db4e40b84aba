"""Fast bulk inserts for loaders (demo data, imports): COPY on PostgreSQL, batches elsewhere.

Rows are plain dicts of field names (or attnames such as ``store_id``) to Python values. Fields a
row leaves out get the model field's default, as ``Model()`` would give them; no ``save()`` or
signals run.
"""

from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from io import StringIO
from itertools import islice

from django.db import connection, models, transaction

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """One value in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | Decimal | float):
        return str(value)
    return str(value).translate(_ESCAPES)


def _batches(rows: Iterable[dict], size: int) -> Iterator[list[dict]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def bulk_insert(model: type[models.Model], rows: Iterable[dict], *, fields: list[str], batch_size: int = 10_000) -> int:
    """Insert ``rows`` (dicts with exactly ``fields``) into ``model``'s table; returns the count.

    All batches are in one transaction: either every row lands or none does.
    """
    given = {model._meta.get_field(name).attname for name in fields}
    implied = [
        f for f in model._meta.concrete_fields if f.attname not in given and not f.primary_key
    ]
    fields = [*fields, *(f.attname for f in implied)]
    columns = [model._meta.get_field(name).column for name in fields]

    def completed(batch: list[dict]) -> list[dict]:
        defaults = {f.attname: f.get_default() for f in implied}  # once a batch: one "now" for all
        return [{**row, **defaults} for row in batch] if defaults else batch

    total = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            table = connection.ops.quote_name(model._meta.db_table)
            column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
            sql = f"COPY {table} ({column_list}) FROM STDIN"
            with connection.cursor() as cursor:
                for batch in _batches(rows, batch_size):
                    batch = completed(batch)
                    buffer = StringIO()
                    for row in batch:
                        buffer.write("\t".join(_copy_text(row[name]) for name in fields))
                        buffer.write("\n")
                    buffer.seek(0)
                    with connection.wrap_database_errors:  # IntegrityError, as from any other query
                        cursor.copy_expert(sql, buffer)
                    total += len(batch)
        else:
            # One prepared INSERT run for every row of a batch; values converted as the ORM would.
            model_fields = [model._meta.get_field(name) for name in fields]
            plain = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
            convert = [
                None if isinstance(f, plain) else (lambda v, f=f: f.get_db_prep_save(v, connection))
                for f in model_fields
            ]
            table = connection.ops.quote_name(model._meta.db_table)
            column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
            sql = f"INSERT INTO {table} ({column_list}) VALUES ({', '.join(['%s'] * len(columns))})"
            with connection.cursor() as cursor:
                for batch in _batches(rows, batch_size):
                    cursor.executemany(sql, [
                        [row[f.attname] if c is None else c(row[f.attname]) for f, c in zip(model_fields, convert)]
                        for row in completed(batch)
                    ])
                    total += len(batch)
    return total
