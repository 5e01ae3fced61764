"""Distribution of issued versions to people and units, and their acknowledgement of having read them."""

from collections.abc import Collection, Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require
from core import audit
from core.models import AuditEntry
from organizations.models import Agency

from ..models import (
    Distribution,
    DocumentVersion,
    Notification,
)
from .common import S, notify


def _distribute(version: DocumentVersion, recipients: list[User], by: User) -> int:
    created = 0
    existing = set(version.distributions.values_list("recipient_id", flat=True))
    for person in recipients:
        if person.pk in existing:
            continue
        Distribution.objects.create(version=version, recipient=person, unit=person.unit, distributed_by=by)
        existing.add(person.pk)
        created += 1
    notify(
        recipients,
        version.document,
        Notification.Kind.TO_READ,
        _("Tài liệu cần đọc: %(doc)s (lần ban hành %(rev)s)") % {"doc": version.document, "rev": version.revision},
    )
    return created


def agency_members(agency: Agency) -> QuerySet[User]:
    return get_user_model().objects.filter(agency=agency, is_active=True)


@audit.atomic_as_user
def distribute(
    version: DocumentVersion, user: User, *, recipients: Collection[User | int] = (), units: Iterable[str] = ()
) -> int:
    """Hand an issued version to people and/or whole units (phòng, bộ phận) of the agency."""
    version = DocumentVersion.objects.select_related("document__agency").get(pk=version.pk)
    require(user, "documents.distribute_document", version.document)
    if version.status != S.ISSUED:
        raise ValidationError(_("Chỉ phân phối phiên bản đang ban hành."))
    members = agency_members(version.document.agency)
    people = list(members.filter(pk__in=[getattr(r, "pk", r) for r in recipients]))
    if len(people) != len(set(getattr(r, "pk", r) for r in recipients)):
        raise ValidationError({"recipients": _("Chỉ phân phối cho cán bộ đang công tác tại cơ quan.")})
    if units:
        people += list(members.filter(unit__in=list(units)))
    if not people:
        raise ValidationError({"recipients": _("Chọn ít nhất một người nhận hoặc một phòng, bộ phận.")})
    created = _distribute(version, people, user)
    audit.record(
        version,
        AuditEntry.Action.EVENT,
        {"distributed": created},
        comment=_("Phân phối cho %(n)s người") % {"n": created},
        actor=user,
    )
    return created


@audit.atomic_as_user
def acknowledge(version: DocumentVersion, user: User) -> Distribution:
    """The recipient confirms having read the version."""
    require(user, "documents.acknowledge_document", version.document)
    dist = Distribution.objects.select_for_update().filter(version=version, recipient=user).first()
    if dist is None:
        raise ValidationError(_("Tài liệu này chưa được phân phối cho bạn."))
    if dist.acknowledged_at is None:
        dist.acknowledged_at = timezone.now()
        dist.save()
        Notification.objects.filter(
            user=user, document=version.document, kind=Notification.Kind.TO_READ, read_at__isnull=True
        ).update(read_at=timezone.now())
    return dist


def pending_acknowledgements(user: User) -> QuerySet[Distribution]:
    return Distribution.objects.filter(
        recipient=user, acknowledged_at__isnull=True, version__status=S.ISSUED
    ).select_related("version__document")


def distribution_summary(version: DocumentVersion) -> dict[str, int]:
    return version.distributions.aggregate(total=Count("pk"), read=Count("pk", filter=Q(acknowledged_at__isnull=False)))
