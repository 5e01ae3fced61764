"""Set-based writes for the event engine (thousands of rows per batch, both backends).

Rows are written from columns (one list per database column), without a model instance per row. Times come
as integer microseconds since the epoch (UTC) and are turned into the backend's text by numpy, one call per
column. On PostgreSQL the columns become one COPY text block (no per-row formatting in Python); on SQLite one
executemany. Events are inserted idempotently: ON CONFLICT (dossier_id, external_id) DO NOTHING on SQLite;
on PostgreSQL a plain COPY, and only if the unique key refuses it, the batch again through a staging table and
ON CONFLICT. New dossiers are one insert; dossiers' changed state one UPDATE ... FROM a COPY-filled staging
table on PostgreSQL (executemany on SQLite); the monthly and late-step summaries an upsert that adds the batch's deltas.
"""

import datetime as dt
import functools
from collections import Counter
from operator import attrgetter

import numpy as np
from django.db import IntegrityError, connection, models, transaction

from .models import Dossier, DossierEvent, LateStepStat, MonthlyStat

INT, TEXT, TIME, BOOL, NUM = "int", "text", "time", "bool", "num"
Columns = dict[str, list]  # {column name: [value of each row]}, times as integer microseconds (UTC)
EVENT_COLUMNS = [
    ("dossier_id", INT),
    ("external_id", TEXT),
    ("kind", TEXT),
    ("occurred_at", TIME),
    ("step", TEXT),
    ("from_name", TEXT),
    ("from_unit", TEXT),
    ("to_name", TEXT),
    ("to_unit", TEXT),
    ("completed_step", TEXT),
    ("completed_step_due_at", TIME),
    ("is_late", BOOL),
    ("note", TEXT),
    ("on_behalf_of", TEXT),
    ("source", TEXT),
    ("created_at", TIME),
]
STATE_COLUMNS = [
    ("status", TEXT),
    ("completed_at", TIME),
    ("is_late", BOOL),
    ("current_step", TEXT),
    ("step_started_at", TIME),
    ("step_due_at", TIME),
    ("holder_id", INT),
    ("holder_name", TEXT),
    ("holder_unit", TEXT),
    ("last_event_at", TIME),
    ("paused_at", TIME),
    ("due_at", TIME),
    ("late_step", TEXT),
    ("late_unit", TEXT),
]
DOSSIER_COLUMNS = [
    ("agency_id", INT),
    ("procedure_id", INT),
    ("field_id", INT),
    ("code", TEXT),
    ("applicant_name", TEXT),
    ("applicant_key", TEXT),
    ("applicant_address", TEXT),
    ("received_at", TIME),
    ("processing_days", NUM),
    ("apology_due_at", TIME),
    ("created_at", TIME),
    *STATE_COLUMNS,
]
NAT = np.iinfo(np.int64).min
PG_NULL = "\\N"
PG_BOOL = {True: "t", False: "f", None: PG_NULL}


def _times(values):
    """Integer microseconds (None allowed) -> (array, indices of the Nones)."""
    if None in values:
        array = np.array([NAT if v is None else v for v in values], dtype=np.int64)
        return array, np.flatnonzero(array == NAT).tolist()
    return np.array(values, dtype=np.int64), ()


DAY_US, SECOND_US = 86_400_000_000, 1_000_000


@functools.cache
def _seconds_of_day():
    """'HH:MM:SS' for each second of a day, indexed by the second (built once)."""
    return np.array([f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)], dtype=object)


def _format_times(values, suffix="", null=None):
    """Integer microseconds since the epoch (UTC) -> 'YYYY-MM-DD HH:MM:SS[.ffffff]' + suffix, `null` for None.
    Each distinct moment, day and fraction is formatted once (the seconds of a day come from a table) and the
    pieces joined by numpy (a column of a million times has a few hundred days): 2x faster than numpy's own
    datetime_as_string on each value."""
    if len(values) > 1 and values.count(values[0]) == len(values):  # one value throughout (creation, no pause)
        return [null if values[0] is None else _format_times(values[:1], suffix)[0]] * len(values)
    array, nulls = _times(values)
    if len(nulls):
        array = array.copy()
        array[nulls] = 0
    moments, inverse = np.unique(array, return_inverse=True)
    days, rest = np.divmod(moments, DAY_US)
    seconds, micros = np.divmod(rest, SECOND_US)

    def text(parts, fmt):
        distinct, index = np.unique(parts, return_inverse=True)
        return np.array(list(map(fmt, distinct.tolist())), dtype=object)[index.ravel()]

    distinct = text(days, lambda d: str(np.datetime64(d, "D")) + " ") + _seconds_of_day()[seconds]
    if micros.any():
        distinct += text(micros, lambda m: f".{m:06d}" if m else "")
    if suffix:
        distinct += suffix
    out = distinct[inverse.ravel()].tolist()
    for k in nulls:
        out[k] = null
    return out


def sqlite_times(values: list[int | None]) -> list[str | None]:
    """As Django stores an aware datetime on SQLite: naive UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]'."""
    return _format_times(values)


def _pg_text(kind, values):
    """A column in COPY's text format."""
    if kind == TIME:
        return _format_times(values, "+00", null=PG_NULL)
    if kind == BOOL:
        return list(map(PG_BOOL.__getitem__, values))
    if kind in (INT, NUM):
        return [PG_NULL if v is None else str(v) for v in values] if None in values else list(map(str, values))
    joined = "\x00".join(values)
    if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
        return [v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r") for v in values]
    return values


def _copy(cursor, table, columns, data):
    """COPY the columns (name, kind) of `data` ({name: list}) into `table` as one text block."""
    block = "\n".join(map("\t".join, zip(*(_pg_text(kind, data[name]) for name, kind in columns), strict=True)))
    with (
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {table} ({', '.join(name for name, _kind in columns)}) FROM STDIN") as copy,
    ):
        copy.write(block + "\n")


def _rows(columns, data):
    """Parameter rows for executemany on SQLite."""
    return zip(*(sqlite_times(data[name]) if kind == TIME else data[name] for name, kind in columns), strict=True)


SQLITE_ROWS_PER_INSERT = 64


def _sqlite_insert(cursor, table, columns, data, suffix=""):
    """INSERT the columns of `data` on SQLite, many rows per statement (VALUES (…), (…), …): a third less time
    than one statement per row, as SQLite steps one statement and Python binds one flat parameter list for each
    group of rows. The columns are interleaved into that flat list by slice assignment (no per-row loop)."""
    width = len(columns)
    values = [sqlite_times(data[name]) if kind == TIME else data[name] for name, kind in columns]
    n = len(values[0])
    per = max(1, min(SQLITE_ROWS_PER_INSERT, connection.features.max_query_params // width))
    flat = [None] * (n * width)
    for j, column in enumerate(values):
        flat[j::width] = column
    names = ", ".join(name for name, _kind in columns)
    row = f"({', '.join(['%s'] * width)})"
    full, step = n // per * per, per * width
    if full:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES {', '.join([row] * per)} {suffix}",
            (flat[k : k + step] for k in range(0, full * width, step)),
        )
    if full < n:
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES {row} {suffix}",
            (flat[k : k + width] for k in range(full * width, n * width, width)),
        )


def _attributes(objects, columns, **constant):
    """{column: [value of each object]}: the objects' attributes read a whole object at a time (one multi-attribute
    getter call per object, not one call per object and column), then transposed; `constant` columns repeated."""
    names = [name for name, _kind in columns if name not in constant]
    values = (
        zip(*map(attrgetter(*names), objects), strict=True)
        if len(names) > 1
        else [list(map(attrgetter(*names), objects))]
    )
    data = dict(zip(names, map(list, values), strict=True)) if objects else {name: [] for name in names}
    return {name: constant[name] * len(objects) if name in constant else data[name] for name, _kind in columns}


def allocate_ids(model: type[models.Model], n: int) -> list[int]:
    """n primary keys for rows the caller inserts itself (so it need not read them back). PostgreSQL: from the
    table's sequence; SQLite: after the highest key ever used (the write lock is held: transactions are
    IMMEDIATE)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0), "
            f"coalesce((SELECT max(id) FROM {table}), 0))",
            [table],
        )
        start = cursor.fetchone()[0] + 1
        return list(range(start, start + n))


NEW_DOSSIER_COLUMNS = [c for c in DOSSIER_COLUMNS if c[0] not in ("agency_id", "created_at")]


def dossier_columns(dossiers: list) -> Columns:
    """{column: [value of each dossier]} of new dossiers (objects with the DOSSIER_COLUMNS attributes but agency
    and creation time), as insert_dossiers takes them."""
    return _attributes(dossiers, NEW_DOSSIER_COLUMNS)


def insert_dossiers(agency_id: int, ids: list[int], data: Columns, created_at: int) -> None:
    """New dossiers in one statement: their keys (from allocate_ids) and their columns (NEW_DOSSIER_COLUMNS,
    times in microseconds)."""
    if not ids:
        return
    columns = [("id", INT), *DOSSIER_COLUMNS]
    data = {**data, "id": ids, "agency_id": [agency_id] * len(ids), "created_at": [created_at] * len(ids)}
    table = Dossier._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, table, columns, data)
        else:
            _sqlite_insert(cursor, table, columns, data)


def insert_events(data: Columns) -> None:
    """Events from columns ({name: list} for EVENT_COLUMNS); an event already stored is left out."""
    if not data["dossier_id"]:
        return
    if "on_behalf_of" not in data:  # set only by the web forms (acting for an absent holder)
        data = {**data, "on_behalf_of": [""] * len(data["dossier_id"])}
    table = DossierEvent._meta.db_table
    names = ", ".join(name for name, _kind in EVENT_COLUMNS)
    conflict = "ON CONFLICT (dossier_id, external_id) DO NOTHING"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The engine has already left out the events stored before (read under the agency's lock), so COPY
            # straight into the table; should the unique key refuse it all the same (a writer that bypasses the
            # engine), the batch goes through a staging table and ON CONFLICT DO NOTHING.
            try:
                with transaction.atomic():
                    _copy(cursor, table, EVENT_COLUMNS, data)
                return
            except IntegrityError:
                pass
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS dossier_event_stage ON COMMIT DELETE ROWS AS "
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
            _copy(cursor, "dossier_event_stage", EVENT_COLUMNS, data)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM dossier_event_stage {conflict}")
            cursor.execute("DELETE FROM dossier_event_stage")
            return
        _sqlite_insert(cursor, table, EVENT_COLUMNS, data, conflict)


def update_dossiers(dossiers: list) -> None:
    if not dossiers:
        return
    table = Dossier._meta.db_table
    columns = [*STATE_COLUMNS, ("id", INT)]
    data = _attributes(dossiers, STATE_COLUMNS)
    data["id"] = [d.pk for d in dossiers]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY the new states into a transaction-scoped staging table, then one UPDATE ... FROM.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS dossier_state_stage ON COMMIT DELETE ROWS AS "
                f"SELECT {', '.join(name for name, _kind in columns)} FROM {table} WITH NO DATA"
            )
            _copy(cursor, "dossier_state_stage", columns, data)
            assignments = ", ".join(f"{name} = s.{name}" for name, _kind in STATE_COLUMNS)
            cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM dossier_state_stage AS s WHERE t.id = s.id")
            cursor.execute("DELETE FROM dossier_state_stage")
            return
        sql = f"UPDATE {table} SET {', '.join(f'{name} = %s' for name, _kind in STATE_COLUMNS)} WHERE id = %s"
        cursor.executemany(sql, _rows(columns, data))


STAT_FIELDS = ("received", "completed", "on_time", "late", "refused")


def upsert_stats(agency_id: int, stats: dict[tuple[int, int, dt.date], Counter]) -> None:
    """stats: {(procedure_id, field_id, month): Counter} -> added to the monthly summary."""
    if not stats:
        return
    table = MonthlyStat._meta.db_table
    columns = ["agency_id", "procedure_id", "field_id", "month", *STAT_FIELDS]
    updates = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in STAT_FIELDS)
    # One row per key of the unique constraint (agency, procedure, month): PostgreSQL refuses a statement that
    # updates a row twice, and a procedure moved to another field may come with two fields; the first stays.
    merged = {}
    for (procedure_id, field_id, month), counts in stats.items():
        if (procedure_id, month) in merged:
            merged[(procedure_id, month)][1].update(counts)
        else:
            merged[(procedure_id, month)] = (field_id, Counter(counts))
    stats = {(procedure_id, field_id, month): counts for (procedure_id, month), (field_id, counts) in merged.items()}
    keys = list(stats)
    counts = [[stats[key].get(f, 0) for key in keys] for f in STAT_FIELDS]
    procedures, fields, months = ([key[k] for key in keys] for k in range(3))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement of constant text whatever the number of rows: columns as arrays, unnested.
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT %s, * FROM unnest(%s::bigint[], %s::bigint[], "
                f"%s::date[], {', '.join(['%s::integer[]'] * len(STAT_FIELDS))}) "
                f"ON CONFLICT (agency_id, procedure_id, month) DO UPDATE SET {updates}",
                [agency_id, procedures, fields, months, *counts],
            )
            return
        sql = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT (agency_id, procedure_id, month) DO UPDATE SET {updates}"
        )
        cursor.executemany(
            sql, zip([agency_id] * len(keys), procedures, fields, [m.isoformat() for m in months], *counts, strict=True)
        )


def upsert_late_stats(agency_id: int, late: dict[tuple[int, dt.date, str, str], int]) -> None:
    """late: {(field_id, month, late_step, late_unit): count} -> added to the late-step summary."""
    if not late:
        return
    table = LateStepStat._meta.db_table
    columns = ["agency_id", "field_id", "month", "late_step", "late_unit", "count"]
    keys = list(late)
    fields, months, steps, units = ([key[k] for key in keys] for k in range(4))
    counts = [late[key] for key in keys]
    conflict = (
        f"ON CONFLICT (agency_id, field_id, month, late_step, late_unit) "
        f"DO UPDATE SET count = {table}.count + excluded.count"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) SELECT %s, * FROM unnest(%s::bigint[], "
                f"%s::date[], %s::text[], %s::text[], %s::integer[]) {conflict}",
                [agency_id, fields, months, steps, units, counts],
            )
            return
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) {conflict}",
            zip([agency_id] * len(keys), fields, [m.isoformat() for m in months], steps, units, counts, strict=True),
        )


def refresh_statistics() -> None:
    """ANALYZE the tables a long import fills (PostgreSQL), so the planner keeps probing the unique keys rather
    than scanning: statistics taken while the tables were small would describe them as nearly empty."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Dossier._meta.db_table}, {DossierEvent._meta.db_table}")
