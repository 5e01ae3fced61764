"""Set-based writes for the event engine (thousands of rows per batch, both backends).

Everything is written from plain tuples, without building a model instance per row. Events are inserted
with INSERT ... ON CONFLICT (dossier_id, external_id) DO NOTHING — what bulk_create(ignore_conflicts=True)
emits; new dossiers with one multi-row insert; dossiers' changed state with one UPDATE ... FROM a staging
table on PostgreSQL (COPY), one parameterised UPDATE per row on SQLite (executemany, in-process); the
monthly summary and the late-step summary with an upsert that adds the batch's deltas. On PostgreSQL, batches
of more than COPY_THRESHOLD rows go through COPY.
"""

import datetime as dt

from django.db import IntegrityError, connection, transaction

from .models import Dossier, DossierEvent, LateStepStat, MonthlyStat

EVENT_COLUMNS = ["dossier_id", "external_id", "kind", "occurred_at", "step", "from_name", "from_unit", "to_name",
                 "to_unit", "completed_step", "completed_step_due_at", "is_late", "note", "source", "created_at"]
STATE_COLUMNS = ["status", "completed_at", "is_late", "current_step", "step_started_at", "step_due_at", "holder_id",
                 "holder_name", "holder_unit", "last_event_at", "paused_at", "due_at", "late_step", "late_unit"]
DOSSIER_COLUMNS = ["agency_id", "procedure_id", "field_id", "code", "applicant_name", "applicant_address",
                   "received_at", "processing_days", "apology_due_at", "created_at", *STATE_COLUMNS]
UTC = dt.UTC
COPY_THRESHOLD = 200


def _adapt_sqlite(value):
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def _same(value):
    return value


def adapter():
    """The function turning an aware datetime into what the backend stores (SQLite: naive UTC text, like
    Django's adapter; PostgreSQL: the datetime itself). Chosen once per batch, not once per value."""
    return _same if connection.vendor == "postgresql" else _adapt_sqlite


def adapt(value):
    """An aware datetime as the backend stores it."""
    return adapter()(value)


def _copy(cursor, table, columns, rows):
    with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _state(d, adapt):
    return (d.status, adapt(d.completed_at), d.is_late, d.current_step, adapt(d.step_started_at),
            adapt(d.step_due_at), d.holder_id, d.holder_name, d.holder_unit, adapt(d.last_event_at),
            adapt(d.paused_at), adapt(d.due_at), d.late_step, d.late_unit)


def insert_dossiers(agency_id, dossiers, created_at):
    """New dossiers (objects with the DOSSIER_COLUMNS attributes) in one statement (COPY on PostgreSQL)."""
    if not dossiers:
        return
    adapt = adapter()
    rows = [(agency_id, d.procedure_id, d.field_id, d.code, d.applicant_name, d.applicant_address,
             adapt(d.received_at), d.processing_days, adapt(d.apology_due_at), created_at, *_state(d, adapt))
            for d in dossiers]
    table = Dossier._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > COPY_THRESHOLD:
            _copy(cursor, table, DOSSIER_COLUMNS, rows)
            return
        placeholders = ", ".join(["%s"] * len(DOSSIER_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(DOSSIER_COLUMNS)}) VALUES ({placeholders})", rows)


def insert_events(rows):
    if not rows:
        return
    table = DossierEvent._meta.db_table
    columns = ", ".join(EVENT_COLUMNS)
    conflict = "ON CONFLICT (dossier_id, external_id) DO NOTHING"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > COPY_THRESHOLD:
            # The engine has already left out the events stored before (read in this transaction), so COPY
            # straight into the table; only if a concurrent import stored one of them meanwhile does the unique
            # key refuse the COPY: then the batch goes through a staging table and ON CONFLICT DO NOTHING.
            try:
                with transaction.atomic():
                    _copy(cursor, table, EVENT_COLUMNS, rows)
                return
            except IntegrityError:
                pass
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS dossier_event_stage ON COMMIT DELETE ROWS AS "
                           f"SELECT {columns} FROM {table} WITH NO DATA")
            _copy(cursor, "dossier_event_stage", EVENT_COLUMNS, rows)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM dossier_event_stage {conflict}")
            cursor.execute("DELETE FROM dossier_event_stage")
            return
        placeholders = ", ".join(["%s"] * len(EVENT_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {conflict}", rows)


def update_dossiers(dossiers):
    if not dossiers:
        return
    adapt = adapter()
    table = Dossier._meta.db_table
    params = [(*_state(d, adapt), d.pk) for d in dossiers]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(params) > COPY_THRESHOLD:
            # COPY the new states into a transaction-scoped staging table, then one UPDATE ... FROM.
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS dossier_state_stage ON COMMIT DELETE ROWS AS "
                           f"SELECT {', '.join(STATE_COLUMNS)}, id FROM {table} WITH NO DATA")
            _copy(cursor, "dossier_state_stage", [*STATE_COLUMNS, "id"], params)
            assignments = ", ".join(f"{c} = s.{c}" for c in STATE_COLUMNS)
            cursor.execute(f"UPDATE {table} AS t SET {assignments} FROM dossier_state_stage AS s WHERE t.id = s.id")
            cursor.execute("DELETE FROM dossier_state_stage")
            return
        sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in STATE_COLUMNS)} WHERE id = %s"
        cursor.executemany(sql, params)


STAT_FIELDS = ("received", "completed", "on_time", "late", "refused")


def upsert_stats(agency_id, stats):
    """stats: {(procedure_id, field_id, month): Counter} -> added to the monthly summary."""
    if not stats:
        return
    table = MonthlyStat._meta.db_table
    columns = ["agency_id", "procedure_id", "field_id", "month", *STAT_FIELDS]
    updates = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in STAT_FIELDS)
    params = [(agency_id, procedure_id, field_id, month if connection.vendor == "postgresql" else month.isoformat(),
               *(counts.get(f, 0) for f in STAT_FIELDS))
              for (procedure_id, field_id, month), counts in stats.items()]
    row = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        # One multi-row statement per 500 rows (the keys are distinct: one row per key of `stats`).
        for start in range(0, len(params), 500):
            chunk = params[start:start + 500]
            cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * len(chunk))} "
                           f"ON CONFLICT (agency_id, procedure_id, month) DO UPDATE SET {updates}",
                           [value for values in chunk for value in values])


def upsert_late_stats(agency_id, late):
    """late: {(procedure_id, field_id, month, late_step, late_unit): count} -> added to the late-step summary."""
    if not late:
        return
    table = LateStepStat._meta.db_table
    columns = ["agency_id", "procedure_id", "field_id", "month", "late_step", "late_unit", "count"]
    # One row per key of the unique constraint (PostgreSQL refuses a statement that updates a row twice): a
    # dossier's field is the procedure's at receipt, so one procedure may come with two fields; the first stays.
    merged = {}
    for (procedure_id, field_id, month, step, unit), count in late.items():
        field_id, total = merged.get((procedure_id, month, step, unit), (field_id, 0))
        merged[(procedure_id, month, step, unit)] = (field_id, total + count)
    iso = connection.vendor != "postgresql"
    params = [(agency_id, procedure_id, field_id, month.isoformat() if iso else month, step, unit, count)
              for (procedure_id, month, step, unit), (field_id, count) in merged.items()]
    row = f"({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:
        for start in range(0, len(params), 500):
            chunk = params[start:start + 500]
            cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * len(chunk))} "
                           f"ON CONFLICT (agency_id, procedure_id, month, late_step, late_unit) "
                           f"DO UPDATE SET count = {table}.count + excluded.count",
                           [value for values in chunk for value in values])
