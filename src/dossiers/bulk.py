"""Set-based writes for the event engine (thousands of rows per batch, both backends).

Events are inserted with INSERT ... ON CONFLICT (dossier_id, external_id) DO NOTHING — what
bulk_create(ignore_conflicts=True) emits — but from plain tuples, without building a model instance
per row; dossiers' state is updated with one parameterised UPDATE per row (executemany, pipelined);
the monthly summary is maintained with an upsert that adds the batch's deltas.
"""

import datetime as dt

from django.db import connection

from .models import Dossier, DossierEvent, MonthlyStat

EVENT_COLUMNS = ["dossier_id", "external_id", "kind", "occurred_at", "step", "from_name", "from_unit", "to_name",
                 "to_unit", "completed_step", "completed_step_due_at", "is_late", "note", "source", "created_at"]
STATE_COLUMNS = ["status", "completed_at", "is_late", "current_step", "step_started_at", "step_due_at", "holder_id",
                 "holder_name", "holder_unit", "last_event_at", "paused_at", "due_at", "late_step", "late_unit"]
UTC = dt.UTC


def adapt(value):
    """An aware datetime as the backend stores it (SQLite: naive UTC text, like Django's adapter)."""
    if value is None or connection.vendor == "postgresql":
        return value
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def insert_events(rows):
    if not rows:
        return
    table = DossierEvent._meta.db_table
    columns = ", ".join(EVENT_COLUMNS)
    conflict = "ON CONFLICT (dossier_id, external_id) DO NOTHING"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) > 200:
            # COPY into a transaction-scoped staging table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING.
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS dossier_event_stage ON COMMIT DELETE ROWS AS "
                           f"SELECT {columns} FROM {table} WITH NO DATA")
            with cursor.cursor.copy(f"COPY dossier_event_stage ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM dossier_event_stage {conflict}")
            cursor.execute("DELETE FROM dossier_event_stage")
            return
        placeholders = ", ".join(["%s"] * len(EVENT_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {conflict}", rows)


def update_dossiers(dossiers):
    if not dossiers:
        return
    table = Dossier._meta.db_table
    sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in STATE_COLUMNS)} WHERE id = %s"
    params = []
    for d in dossiers:
        params.append((d.status, adapt(d.completed_at), d.is_late, d.current_step, adapt(d.step_started_at),
                       adapt(d.step_due_at), d.holder_id, d.holder_name, d.holder_unit, adapt(d.last_event_at),
                       adapt(d.paused_at), adapt(d.due_at), d.late_step, d.late_unit, d.pk))
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


STAT_FIELDS = ("received", "completed", "on_time", "late", "refused")


def upsert_stats(agency_id, stats):
    """stats: {(procedure_id, field_id, month): Counter} -> added to the monthly summary."""
    if not stats:
        return
    table = MonthlyStat._meta.db_table
    columns = ["agency_id", "procedure_id", "field_id", "month", *STAT_FIELDS]
    updates = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in STAT_FIELDS)
    sql = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT (agency_id, procedure_id, month) DO UPDATE SET {updates}")
    params = [(agency_id, procedure_id, field_id, month if connection.vendor == "postgresql" else month.isoformat(),
               *(counts.get(f, 0) for f in STAT_FIELDS))
              for (procedure_id, field_id, month), counts in stats.items()]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
