"""Full-text search over documents, one API on both databases.

Every document keeps `search_text`: its code, title and the text of its current content, folded by
`core.text.search_key` (lower-case ASCII), so "dat dai" finds "Đất đai" on both backends.

- PostgreSQL: `SearchVector(search_text, 'simple') @@ SearchQuery(...)`, served by a GIN index on the
  same expression (created by migration 0002 on PostgreSQL only).
- SQLite: an FTS5 virtual table `documents_fts` (rowid = document id, created by migration 0002 on
  SQLite only) that the service layer keeps in sync through `index_document()`.
"""

import re

from django.db import connection
from django.db.models.expressions import RawSQL

from core.text import search_key

FTS_TABLE = "documents_fts"
_TERM = re.compile(r"[a-z0-9]+")


def terms(text):
    return _TERM.findall(search_key(text).replace("_", " "))


def document_text(document, content=""):
    """The folded text indexed for a document."""
    parts = [document.code, document.title, document.external_number, document.external_issuer, content]
    return search_key(" ".join(p for p in parts if p))


def _postgres():
    return connection.vendor == "postgresql"


def index_document(document):
    """Make the index reflect `document.search_text` (already saved on the row)."""
    if _postgres():
        return  # the GIN index follows the column
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [document.pk])
        cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)", [document.pk, document.search_text])


def bulk_index(rows):
    """Index many (document_id, search_text) pairs at once (imports, template instantiation, benchmark)."""
    if _postgres():
        return
    rows = list(rows)
    with connection.cursor() as cursor:
        cursor.executemany(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [(pk,) for pk, _ in rows])
        cursor.executemany(f"INSERT INTO {FTS_TABLE} (rowid, body) VALUES (%s, %s)", rows)


def remove_document(document_id):
    if _postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [document_id])


def rebuild():
    """Rebuild the SQLite index from the documents table (no-op on PostgreSQL)."""
    if _postgres():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, body) SELECT id, search_text FROM documents_document")


def search(queryset, text):
    """`queryset` (of Document) restricted to documents matching every word of `text`; the last word
    may be a prefix ("kiem soat tai li" finds "tài liệu")."""
    words = terms(text)
    if not words:
        return queryset
    if _postgres():
        from django.contrib.postgres.search import SearchQuery, SearchVector

        raw = " & ".join(words[:-1] + [words[-1] + ":*"])
        return queryset.annotate(_fts=SearchVector("search_text", config="simple")).filter(
            _fts=SearchQuery(raw, config="simple", search_type="raw")
        )
    match = " ".join(f'"{w}"' for w in words[:-1]) + f' "{words[-1]}"*'
    return queryset.filter(pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match.strip()]))
