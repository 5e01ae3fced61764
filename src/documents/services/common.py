"""What the document-control services share: the version statuses, the document's own fields, the
separation-of-duties switch and in-app notifications."""

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from accounts.models import User

from ..models import Document, DocumentVersion, Notification

S = DocumentVersion.Status
DOCUMENT_FIELDS = (
    "doc_type",
    "code",
    "title",
    "owner_unit",
    "review_period_months",
    "admin_procedure",
    "responsible",
    "external_number",
    "external_issuer",
    "external_effective_date",
)


def separation_of_duties() -> bool:
    return bool(settings.EISO.get("DOCUMENT_SEPARATION_OF_DUTIES", True))


def notify(users: Iterable[User], document: Document, kind: Notification.Kind, message: str) -> None:
    """An in-app notification to each user, at most one per document, kind and day."""
    today = timezone.localdate()
    for user in users:
        Notification.objects.get_or_create(
            user=user, document=document, kind=kind, created_on=today, defaults={"message": message[:500]}
        )
