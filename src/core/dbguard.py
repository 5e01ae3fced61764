"""The database's own refusal to change or remove audit entries; the ORM refuses first (`AppendOnlyModel`).

PostgreSQL: a row trigger refuses UPDATE and DELETE (migration 0002), a statement trigger TRUNCATE (0005).
SQLite: BEFORE UPDATE and BEFORE DELETE triggers (0005). A migration that rebuilds the table on SQLite (most
ALTERs do) drops its triggers, so they are created again after every `migrate` (post_migrate, `ensure`).

Nothing in eISO updates or deletes an entry. The test runner empties tables between transactional tests; it lifts
these triggers for exactly that statement (`core.tests.appendonly`, used by src/conftest.py).
"""

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "core_auditentry"
MESSAGE = "the audit trail is append-only"
SQLITE_TRIGGERS = {
    f"{TABLE}_append_only_{event.lower()}": f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_append_only_{event.lower()}
    BEFORE {event} ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""
    for event in ("UPDATE", "DELETE")
}
PG_TRUNCATE_TRIGGER = f"{TABLE}_append_only_truncate"
PG_TRUNCATE = f"""CREATE TRIGGER {PG_TRUNCATE_TRIGGER}
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION eiso_audit_append_only()"""


def ensure(connection: BaseDatabaseWrapper) -> None:
    """Create the SQLite triggers where they are missing (PostgreSQL's survive an ALTER TABLE)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if TABLE not in connection.introspection.table_names(cursor):
            return
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
