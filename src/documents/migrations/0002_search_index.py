"""Full-text search index, per database (see documents/search.py).

PostgreSQL: a GIN index on the same expression search.py queries. SQLite: an FTS5 virtual table
whose rowid is the document id, kept in sync by the service layer.
"""

from django.db import migrations

PG_INDEX = (
    "CREATE INDEX IF NOT EXISTS documents_document_fts ON documents_document "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(search_text, '')))"
)
SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS documents_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
)


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_INDEX)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_TABLE)
        schema_editor.execute("INSERT INTO documents_fts (rowid, body) SELECT id, search_text FROM documents_document")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS documents_document_fts")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS documents_fts")


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
