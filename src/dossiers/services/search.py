"""Finding dossiers by code, applicant or procedure, without diacritics."""

from django.db import connections
from django.db.models import Q, QuerySet

from core.text import search_key
from procedures.models import AdminProcedure

from .. import search_index
from ..models import Dossier

# On SQLite, a term found in more dossiers than this is searched by walking the list's order (a page of a common
# term is near its top); fewer, by the rows the trigram index names. The count cap of the lists: below it the list
# counts exactly what the index found.
INDEXED_AT_MOST = 10_000


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _code_or_applicant(db: str, text: str, key: str) -> Q:
    """The dossiers whose code contains `text` (case ignored) or whose applicant's key contains `key`.

    PostgreSQL's planner picks the trigram indexes (dossiers/search_index.py) or the list's order index by its
    statistics. SQLite's cannot weigh the FTS5 index against the order: the index is asked first how many dossiers
    the term names, up to INDEXED_AT_MOST; that few are taken by their ids, more by the plain LIKE. Terms under
    3 characters have no trigram: a plain LIKE on both databases. Either way the same dossiers match."""
    like = Q(code__icontains=text) | (Q(applicant_key__contains=key) if key else Q(pk__in=[]))
    connection = connections[db]
    if connection.vendor != "sqlite" or len(text) < 3 or (key and len(key) < 3):
        return like
    query = f"code : {_fts_phrase(text)}" + (f" OR applicant_key : {_fts_phrase(key)}" if key else "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {search_index.FTS_TABLE} WHERE {search_index.FTS_TABLE} MATCH %s LIMIT %s",
            [query, INDEXED_AT_MOST + 1],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    return like if len(ids) > INDEXED_AT_MOST else Q(pk__in=ids)


def search_dossiers(qs: QuerySet[Dossier], text: str) -> QuerySet[Dossier]:
    """The dossiers of `qs` whose code, applicant or procedure (code or name) matches `text`, diacritics and case
    ignored: "nguyen van an" finds Nguyễn Văn An's dossiers, "dat dai" those of the land procedures."""
    text = text.strip()
    if not text:
        return qs
    key = search_key(text)
    match = _code_or_applicant(qs.db, text, key)
    if key:
        # The procedures named first (a few hundred rows): their ids are one indexed condition of the dossiers.
        procedures = list(AdminProcedure.objects.filter(search_key__contains=key).values_list("pk", flat=True))
        if procedures:
            match |= Q(procedure_id__in=procedures)
    return qs.filter(match)
