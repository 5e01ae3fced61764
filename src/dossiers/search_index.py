"""The index of the dossier search (code and applicant, without diacritics), one per database.

`services.search_dossiers` matches a substring of the dossier's code (case ignored) or of its applicant's search
key (`core.text.search_key`). Substrings are what trigrams index:

- PostgreSQL: pg_trgm GIN indexes on `applicant_key` and on `UPPER(code::text)` (the expression Django writes for
  `icontains`), used by the planner for `LIKE '%…%'` when they pay.
- SQLite: an FTS5 table with the trigram tokenizer, external content (the rows are the dossiers table's own: the
  index stores only trigrams), kept in step by three triggers; a MATCH of a phrase is a substring match.

Migration 0012 installs it. On SQLite a later migration that rebuilds the dossiers table (what SQLite's schema
editor does to alter a column) would drop the triggers with the old table: `ensure()`, run after every migrate,
puts back what is missing and rebuilds the index then.
"""

from typing import Any

MIGRATION = "0012_list_indexes"  # the migration that installs the index
FTS_TABLE = "dossiers_dossier_search"
TABLE = "dossiers_dossier"
TRIGGERS = {
    f"{FTS_TABLE}_insert": f"AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS_TABLE} (rowid, code, applicant_key) VALUES (new.id, new.code, new.applicant_key); END",
    f"{FTS_TABLE}_delete": f"AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, code, applicant_key) "
    f"VALUES ('delete', old.id, old.code, old.applicant_key); END",
    # Only a change of the indexed columns: the engine's state updates (status, holder, due dates...) leave it be.
    f"{FTS_TABLE}_update": f"AFTER UPDATE OF code, applicant_key ON {TABLE} BEGIN "
    f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, code, applicant_key) "
    f"VALUES ('delete', old.id, old.code, old.applicant_key); "
    f"INSERT INTO {FTS_TABLE} (rowid, code, applicant_key) VALUES (new.id, new.code, new.applicant_key); END",
}
SQLITE_TABLE = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(code, applicant_key, "
    f"content='{TABLE}', content_rowid='id', tokenize='trigram case_sensitive 0')"
)
PG_INDEXES = {
    "dossier_applicant_trgm": f"CREATE INDEX IF NOT EXISTS dossier_applicant_trgm ON {TABLE} "
    "USING gin (applicant_key gin_trgm_ops)",
    "dossier_code_trgm": f"CREATE INDEX IF NOT EXISTS dossier_code_trgm ON {TABLE} "
    "USING gin ((UPPER(code::text)) gin_trgm_ops)",
}


def _sqlite_install(cursor: Any) -> None:
    cursor.execute(SQLITE_TABLE)
    for name, body in TRIGGERS.items():
        cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {body}")
    cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('rebuild')")


def install(connection: Any) -> None:
    """Create the index over the dossiers already stored (pg_trgm must exist on PostgreSQL: TrigramExtension)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for sql in PG_INDEXES.values():
                cursor.execute(sql)
        elif connection.vendor == "sqlite":
            _sqlite_install(cursor)


def uninstall(connection: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        elif connection.vendor == "sqlite":
            for name in TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")


def ensure(connection: Any) -> bool:
    """On SQLite, once migration 0010 is applied, recreate a missing index table or trigger and rebuild the index;
    True if it had to."""
    from django.db.migrations.recorder import MigrationRecorder

    if (
        connection.vendor != "sqlite"
        or ("dossiers", MIGRATION) not in MigrationRecorder(connection).applied_migrations()
    ):
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE name = %s OR type = 'trigger'", [FTS_TABLE])
        if {FTS_TABLE, *TRIGGERS} <= {name for (name,) in cursor.fetchall()}:
            return False
        _sqlite_install(cursor)
    return True


def escape_like(text: str) -> str:
    """`text` as a literal inside a LIKE pattern (PostgreSQL's default escape character is the backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
