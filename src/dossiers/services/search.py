"""Finding dossiers by code, applicant or procedure, without diacritics."""

from django.db.models import Q, QuerySet

from core.text import search_key

from ..models import Dossier


def search_dossiers(qs: QuerySet[Dossier], text: str) -> QuerySet[Dossier]:
    """The dossiers of `qs` whose code, applicant or procedure (code or name) matches `text`, diacritics and case
    ignored: "nguyen van an" finds Nguyễn Văn An's dossiers, "dat dai" those of the land procedures."""
    text = text.strip()
    match = Q(code__icontains=text)
    if key := search_key(text):
        match |= Q(applicant_key__contains=key) | Q(procedure__search_key__contains=key)
    return qs.filter(match)
