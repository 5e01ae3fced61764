"""Finding dossiers by code, applicant or procedure, without diacritics."""

import hashlib
import json

from django.core.cache import cache
from django.db import connections
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan

from core.text import search_key
from procedures.models import AdminProcedure

from .. import search_index
from ..models import Dossier

# A term found in more dossiers than this (and, on PostgreSQL, than COMMON_SHARE of them) is "common": a page of it
# lies near the top of the list's order and is found by walking that order's index (the capped count walks until it
# has counted its cap). A rarer term is looked up once in the trigram index, and the page and its count are taken
# from the dossiers it names, by id. Below this count the lists count exactly.
INDEXED_AT_MOST = 10_000
COMMON_SHARE = 0.01


# A term found common stays so for a while (names are searched again and again): its index look-up, which reads the
# trigram index's whole posting lists before it can say so (a tenth of a second for "nguyen van" at 5,000,000
# dossiers), is skipped for COMMON_REMEMBERED seconds. Common or not, the dossiers found are the same.
COMMON_REMEMBERED = 3600


def _common_key(db: str, text: str, key: str) -> str:
    digest = hashlib.sha256(f"{text.upper()}\0{key}".encode()).hexdigest()[:32]
    return f"dossiers:search:common:{db}:{digest}"


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _sqlite_indexed_ids(connection: object, text: str, key: str) -> list[int] | None:
    """The ids of the dossiers the FTS5 trigram index names for the term, or None when it names more than
    INDEXED_AT_MOST (a common term)."""
    query = f"code : {_fts_phrase(text)}" + (f" OR applicant_key : {_fts_phrase(key)}" if key else "")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rowid FROM {search_index.FTS_TABLE} WHERE {search_index.FTS_TABLE} MATCH %s LIMIT %s",
            [query, INDEXED_AT_MOST + 1],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    return None if len(ids) > INDEXED_AT_MOST else ids


def _postgres_indexed_ids(db: str, like: Q, text: str, key: str) -> list[int] | None:
    """The ids of the dossiers the trigram indexes name for the term, or None for a common term.

    Common is what the planner's statistics (pg_stats of the two columns) say of the term alone: combined with a
    narrow filter (one agency) the planner still takes the trigram index for a common term, and reading its posting
    lists (half a million entries for "nguyen van" at 5,000,000 dossiers) costs far more than walking the agency's
    own dossiers. A rare one is read from the index once, here, rather than by the page and again by its count."""
    connection = connections[db]
    escape = search_index.escape_like
    with connection.cursor() as cursor:
        cursor.execute(
            f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {search_index.TABLE} "
            "WHERE UPPER(code::text) LIKE UPPER(%s) OR applicant_key LIKE %s",
            [f"%{escape(text)}%", f"%{escape(key)}%" if key else ""],
        )
        plan = cursor.fetchone()[0]
        estimated = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [search_index.TABLE])
        total = cursor.fetchone()[0]
    if estimated > max(INDEXED_AT_MOST, COMMON_SHARE * total):
        return None
    ids = list(Dossier.objects.using(db).filter(like).order_by().values_list("pk", flat=True)[: INDEXED_AT_MOST + 1])
    return None if len(ids) > INDEXED_AT_MOST else ids


def _code_or_applicant(db: str, text: str, key: str) -> Q:
    """The dossiers whose code contains `text` (case ignored) or whose applicant's key contains `key`.

    A rare term is taken from the trigram index (dossiers/search_index.py) as a list of ids; a common one by walking
    the list's order, written so that no trigram index applies (LIKE on SQLite, whose planner never weighs the FTS5
    table; STRPOS on PostgreSQL). Rare or common: on SQLite the FTS5 index itself is asked how many dossiers the term
    names, on PostgreSQL the planner's statistics. Terms under 3 characters have no trigram: a plain LIKE on both
    databases. Every form matches the same dossiers."""
    like = Q(code__icontains=text) | (Q(applicant_key__contains=key) if key else Q(pk__in=[]))
    vendor = connections[db].vendor
    if len(text) < 3 or (key and len(key) < 3) or vendor not in ("sqlite", "postgresql"):
        return like
    known_common = _common_key(db, text, key)
    ids = None
    if not cache.get(known_common):
        if vendor == "sqlite":
            ids = _sqlite_indexed_ids(connections[db], text, key)
        else:
            ids = _postgres_indexed_ids(db, like, text, key)
        if ids is None:
            cache.set(known_common, True, COMMON_REMEMBERED)
    if vendor == "sqlite":
        return like if ids is None else Q(pk__in=ids)
    if ids is not None:
        return Q(pk__any=ids)
    walked = Q(GreaterThan(StrIndex(Upper("code"), Upper(Value(text))), 0))
    return walked | Q(GreaterThan(StrIndex("applicant_key", Value(key)), 0)) if key else walked


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
