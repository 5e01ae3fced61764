"""Finding dossiers by code, applicant or procedure, without diacritics."""

from django.db.models import Q

from core.text import search_key


def search_dossiers(qs, text):
    """The dossiers of `qs` whose code, applicant or procedure (code or name) matches `text`, diacritics and case
    ignored: "nguyen van an" finds Nguyễn Văn An's dossiers, "dat dai" those of the land procedures."""
    text = text.strip()
    match = Q(code__icontains=text)
    if key := search_key(text):
        match |= Q(applicant_key__contains=key) | Q(procedure__search_key__contains=key)
    return qs.filter(match)
