"""Inserting many rows of one model fast, and getting their new ids back in order.

On PostgreSQL the rows go in with ``COPY ... FROM STDIN`` after their ids are taken from the
table's id sequence in one query: several times faster than ``bulk_create`` for the hundreds of
thousands of rows a large import writes (no model instances, no huge parameterised statements).
Elsewhere (SQLite for ``make run``) it falls back to the portable ``bulk_create``.

Rows are given as tuples of values for ``columns`` (field attnames such as ``prompt_id``).
Values of JSON fields are Python objects. The model's other fields get their defaults (``now``
for ``auto_now``/``auto_now_add``, NULL for nullable fields without one), as ``bulk_create``
would give them.
"""
import json

from django.db import connection, models
from django.utils import timezone

BATCH_SIZE = 2000


def _uses_copy() -> bool:
    return connection.vendor == "postgresql"


def insert_rows(model: type[models.Model], columns: list[str], rows: list[tuple], *, return_ids: bool = True,
                use_copy: bool | None = None) -> list[int]:
    """Inserts the rows and returns their ids in the same order (an empty list if ``return_ids`` is False)."""
    if not rows:
        return []
    if use_copy if use_copy is not None else _uses_copy():
        return _copy(model, columns, rows, return_ids)
    objects = model.objects.bulk_create(
        [model(**dict(zip(columns, row))) for row in rows], batch_size=BATCH_SIZE,
    )
    return [obj.pk for obj in objects] if return_ids else []


def _to_db(field: models.Field, value):
    if isinstance(field, models.JSONField):
        return None if value is None else json.dumps(value)
    return value


def _defaults(model: type[models.Model], given: set[str]) -> tuple[list[str], list]:
    """Columns and values for the model's fields that the caller left out."""
    columns, values, now = [], [], timezone.now()
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default():
            value = _to_db(field, field.get_default())
        elif field.null:
            continue
        else:
            raise ValueError(f"{model.__name__}.{field.name} has no default; give it a value")
        columns.append(field.column)
        values.append(value)
    return columns, values


def _copy(model, columns, rows, return_ids) -> list[int]:
    quote = connection.ops.quote_name
    table = model._meta.db_table
    pk_column = model._meta.pk.column
    fields = [model._meta.get_field(column) for column in columns]
    json_positions = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    default_columns, default_values = _defaults(model, {f.attname for f in fields})
    all_columns = ([pk_column] if return_ids else []) + [f.column for f in fields] + default_columns
    with connection.cursor() as cursor, connection.wrap_database_errors:  # psycopg errors -> django.db errors
        ids = []
        if return_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), pk_column, len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
        statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in all_columns)}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for n, row in enumerate(rows):
                values = list(row)
                for i in json_positions:
                    if values[i] is not None:
                        values[i] = json.dumps(values[i])
                if return_ids:
                    values.insert(0, ids[n])
                values.extend(default_values)
                copy.write_row(values)
    return ids
