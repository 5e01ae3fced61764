"""Periodic review: documents flagged for review (a procedure or a legal basis changed), marked reviewed, the
daily reminders, and in-app notifications."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import require
from accounts.roles import Role
from core import audit
from core.models import AuditEntry
from procedures.models import AdminProcedure

from ..models import (
    Document,
    Notification,
    add_months,
)
from .common import notify
from .distribution import agency_members


@transaction.atomic
def flag_for_review(document: Document, reason: str, since: dt.date | None = None) -> Document:
    """Flag `document` as needing an update because of a change that took effect on `since` (today when unknown).
    A document flagged already keeps its first date: the three-month window runs from the first change."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    if not document.needs_review or document.needs_review_since is None:
        document.needs_review_since = since or timezone.localdate()
        document.needs_review_reason = reason[:500]
    elif reason not in document.needs_review_reason:  # a further change while the first one is pending
        document.needs_review_reason = f"{document.needs_review_reason}; {reason}"[:500]
    document.needs_review = True
    document.save()
    audit.record(document, AuditEntry.Action.EVENT, {"needs_review": [False, True]}, comment=reason)
    notify(
        _owners(document),
        document,
        Notification.Kind.NEEDS_UPDATE,
        _("Cần cập nhật %(doc)s: %(reason)s") % {"doc": document, "reason": reason},
    )
    return document


@audit.atomic_as_user
def mark_reviewed(document: Document, user: User, comment: str = "") -> Document:
    """A periodic review found no change needed: the next review date moves on."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    require(user, "documents.change_document", document)
    if document.status != Document.Status.IN_FORCE:
        raise ValidationError(_("Chỉ xem xét định kỳ tài liệu đang hiệu lực."))
    document.review_due = add_months(timezone.localdate(), document.review_period_months)
    document.needs_review, document.needs_review_reason, document.needs_review_since = False, "", None
    document.save()
    audit.record(
        document,
        AuditEntry.Action.EVENT,
        {"reviewed": True},
        comment=comment or _("Xem xét định kỳ: không cần sửa đổi"),
        actor=user,
    )
    return document


def on_procedure_changed(
    sender: type[AdminProcedure], procedure: AdminProcedure, reason: str = "", **kwargs: Any
) -> None:
    """procedures.signals.procedure_changed: every linked document needs an update."""
    text = _("Thủ tục hành chính “%(code)s” thay đổi: %(reason)s") % {"code": procedure.code, "reason": reason}
    for document in Document.objects.filter(admin_procedure=procedure).exclude(status=Document.Status.OBSOLETE):
        flag_for_review(document, text)


def _owners(document: Document) -> list[User]:
    if document.responsible_id and document.responsible.is_active:
        return [document.responsible]
    return list(agency_members(document.agency).filter(role=Role.ISO_SECRETARY))


def send_review_reminders(today: dt.date | None = None) -> int:
    """Remind owners of documents past their review date or flagged for update (once a day each)."""
    today = today or timezone.localdate()
    sent = 0
    for document in Document.objects.needs_review(today).select_related("responsible", "agency"):
        if document.needs_review:
            kind, message = (
                Notification.Kind.NEEDS_UPDATE,
                _("Cần cập nhật %(doc)s: %(reason)s") % {"doc": document, "reason": document.needs_review_reason},
            )
        else:
            kind, message = (
                Notification.Kind.REVIEW_DUE,
                _("%(doc)s đã quá hạn xem xét định kỳ (%(due)s).")
                % {"doc": document, "due": document.review_due.strftime("%d/%m/%Y")},
            )
        for user in _owners(document):
            _note, created = Notification.objects.get_or_create(
                user=user, document=document, kind=kind, created_on=today, defaults={"message": message[:500]}
            )
            sent += created
    return sent


@audit.atomic_as_user
def mark_notification_read(notification: Notification, user: User) -> None:
    if notification.user_id != user.pk:
        raise PermissionDenied(_("Thông báo này không phải của bạn."))
    notification.read_at = notification.read_at or timezone.now()
    notification.save(update_fields=["read_at"])
