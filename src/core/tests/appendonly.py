"""The test runner's one exception to the append-only audit table: emptying the tables between transactional tests
(Django's flush: DELETE on SQLite, TRUNCATE on PostgreSQL), with the database's guard lifted for that statement
only and put back in the same transaction. Also what a test that plays a forger with direct database access does.
"""

from contextlib import contextmanager

from django.db import transaction

from core import dbguard


@contextmanager
def guard_lifted(connection):
    """The audit table's triggers dropped (SQLite) or disabled (PostgreSQL) inside one transaction."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if dbguard.TABLE not in connection.introspection.table_names(cursor):
            yield
            return
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [dbguard.TABLE]
            )
            triggers = cursor.fetchall()
            for name, _sql in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in triggers:
                cursor.execute(sql)
        else:
            cursor.execute(f"ALTER TABLE {dbguard.TABLE} DISABLE TRIGGER USER")
            yield
            cursor.execute(f"ALTER TABLE {dbguard.TABLE} ENABLE TRIGGER USER")


def install_flush_hook():
    """Django's flush (between transactional tests) runs with the guard lifted; returns a function that undoes it."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with guard_lifted(self.connection):
            original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    return lambda: setattr(BaseDatabaseOperations, "execute_sql_flush", original)
