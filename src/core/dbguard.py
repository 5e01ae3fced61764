"""The database's own refusal to change or remove audit entries; the ORM refuses first (`AppendOnlyModel`).

PostgreSQL: a row trigger refuses UPDATE and DELETE (migration 0002), a statement trigger TRUNCATE (0005); the
table and the trigger function belong to another role than the application's after `manage.py audit_lockdown`.
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


# -- PostgreSQL: the audit tables owned by another role than the application's ------------------------------------
HEAD_TABLE = "core_auditchainhead"
FUNCTION = "eiso_audit_append_only()"
ROLE_NAME = r"[a-z_][a-z0-9_]{0,62}"


def lockdown_sql(owner: str, app_role: str) -> list[str]:
    """Give the audit tables and the trigger function to `owner` (a role that cannot log in, created if missing) and
    leave `app_role` SELECT and INSERT on the entries (and what appending needs on the chain heads). Only the owner
    may alter, disable or drop the triggers; UPDATE, DELETE and TRUNCATE are refused to the application."""
    return [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{owner}') "
        f'THEN CREATE ROLE "{owner}" NOLOGIN; END IF; END $$',
        f'ALTER TABLE {TABLE} OWNER TO "{owner}"',
        f'ALTER TABLE {HEAD_TABLE} OWNER TO "{owner}"',
        f'ALTER FUNCTION {FUNCTION} OWNER TO "{owner}"',
        f'REVOKE ALL ON {TABLE}, {HEAD_TABLE} FROM PUBLIC, "{app_role}"',
        f'GRANT SELECT, INSERT ON {TABLE} TO "{app_role}"',
        f'GRANT SELECT, INSERT, UPDATE ON {HEAD_TABLE} TO "{app_role}"',  # the head is locked and moved per entry
    ]


def release_sql(app_role: str) -> list[str]:
    """Give the audit tables back to `app_role`, for a migration that alters them; run the lockdown again after."""
    return [
        f'ALTER TABLE {TABLE} OWNER TO "{app_role}"',
        f'ALTER TABLE {HEAD_TABLE} OWNER TO "{app_role}"',
        f'ALTER FUNCTION {FUNCTION} OWNER TO "{app_role}"',
    ]
