"""The draft → check → approve → issue → superseded/obsolete workflow: who may do what at each step (the
drafter neither checks nor approves her own revision), transitions, notifications."""

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.permissions import require
from accounts.roles import Role
from core import audit
from core.models import AuditEntry

from ..models import (
    Document,
    DocumentType,
    DocumentVersion,
    Notification,
    Transition,
    add_months,
)
from .common import S, notify, separation_of_duties
from .distribution import _distribute
from .drafts import _flag_citing_documents, reindex

ACTIONS = {
    # action: (permission, allowed from, to, label)
    "submit": ("documents.submit_document", (S.DRAFT,), S.SUBMITTED, gettext_lazy("trình kiểm tra")),
    "review": ("documents.review_document", (S.SUBMITTED,), S.REVIEWED, gettext_lazy("xác nhận đã kiểm tra")),
    "reject": ("documents.review_document", (S.SUBMITTED, S.REVIEWED, S.APPROVED), S.DRAFT, gettext_lazy("trả lại")),
    "approve": ("documents.approve_document", (S.REVIEWED,), S.APPROVED, gettext_lazy("phê duyệt")),
    "issue": ("documents.issue_document", (S.APPROVED,), S.ISSUED, gettext_lazy("ban hành")),
    "obsolete": ("documents.obsolete_document", (S.ISSUED,), S.OBSOLETE, gettext_lazy("hủy bỏ (hết hiệu lực)")),
}


def allowed_actions(version: DocumentVersion, user: User) -> list[str]:
    """The workflow actions `user` may take on `version` now (for the buttons)."""
    result = []
    for action, (perm, sources, _to, _label) in ACTIONS.items():
        if version.status not in sources:
            continue
        if action == "reject" and version.status in (S.REVIEWED, S.APPROVED):
            perm = "documents.approve_document" if version.status == S.REVIEWED else "documents.issue_document"
        if not user.has_perm(perm, version.document):
            continue
        if action in DRAFTER_EXCLUDED and drafter_excluded(version, user):
            continue
        result.append(action)
    return result


# Separation of duties: the drafter of a revision neither checks nor approves it.
DRAFTER_EXCLUDED = ("review", "approve")


def drafter_excluded(version: DocumentVersion, user: User) -> bool:
    """True when `user` drafted `version` and the rule keeps them from checking or approving it."""
    return separation_of_duties() and version.author_id is not None and version.author_id == user.pk


def workflow_steps(version: DocumentVersion | None = None) -> list[dict[str, Any]]:
    """Who may act at each step of the document workflow (roles, and 'not the drafter' where it applies).

    Roles are read from the permissions, so the page says what the system enforces."""
    from accounts.permissions import role_permissions
    from accounts.roles import AGENCY_ROLES

    grants = role_permissions()
    steps = []
    for action, label in (
        ("submit", gettext_lazy("Soạn thảo, trình kiểm tra")),
        ("review", gettext_lazy("Kiểm tra")),
        ("approve", gettext_lazy("Phê duyệt")),
        ("issue", gettext_lazy("Ban hành")),
    ):
        perm = ACTIONS[action][0]
        roles = [str(role.label) for role in Role if role in AGENCY_ROLES and perm in grants.get(role, ())]
        steps.append(
            {
                "action": action,
                "label": label,
                "roles": roles,
                "not_drafter": action in DRAFTER_EXCLUDED and separation_of_duties(),
            }
        )
    return steps


@audit.atomic_as_user
def transition(
    version: DocumentVersion, user: User, action: str, comment: str = "", effective_date: dt.date | None = None
) -> DocumentVersion:
    """Move a version one step through the workflow; only the next step, only by the right role."""
    if action not in ACTIONS:
        raise ValidationError(_("Thao tác không hợp lệ."))
    version = DocumentVersion.objects.select_for_update().select_related("document__agency").get(pk=version.pk)
    document = version.document
    perm, sources, target, label = ACTIONS[action]
    if action == "reject" and version.status == S.REVIEWED:
        perm = "documents.approve_document"
    elif action == "reject" and version.status == S.APPROVED:
        perm = "documents.issue_document"
    require(user, perm, document, _("Bạn không có quyền %(action)s tài liệu này.") % {"action": label})
    if version.status not in sources:
        raise ValidationError(
            _(
                "Không thể %(action)s: phiên bản lần %(rev)s đang ở trạng thái “%(status)s”. "
                "Quy trình phải đi đủ các bước: dự thảo → kiểm tra → phê duyệt → ban hành."
            )
            % {"action": label, "rev": version.revision, "status": version.get_status_display()}
        )
    if action in DRAFTER_EXCLUDED and drafter_excluded(version, user):
        if action == "review":
            raise ValidationError(
                _(
                    "Người soạn thảo không được tự kiểm tra dự thảo của mình (phân tách trách "
                    "nhiệm). Đề nghị người khác có thẩm quyền kiểm tra."
                )
            )
        raise ValidationError(
            _(
                "Người soạn thảo không được tự phê duyệt tài liệu của mình (phân tách trách "
                "nhiệm). Đề nghị lãnh đạo khác phê duyệt."
            )
        )
    comment = (comment or "").strip()
    before = version.status
    today = timezone.localdate()
    previous = None
    if action == "submit":
        if not version.file and not version.body.strip():
            raise ValidationError({"file": _("Dự thảo chưa có nội dung: hãy tải lên tệp DOCX/PDF hoặc soạn nội dung.")})
        version.rejection_reason = ""
    elif action == "review":
        version.reviewed_by = user
    elif action == "reject":
        if not comment:
            raise ValidationError({"comment": _("Cần nêu lý do trả lại dự thảo.")})
        version.rejection_reason = comment
        version.reviewed_by = version.approved_by = None
    elif action == "approve":
        version.approved_by = user
    elif action == "issue":
        effective_date = effective_date or today
        version.issued_by = user
        version.effective_date = effective_date
        previous = document.current_version
        if previous is not None and previous.pk != version.pk and previous.status == S.ISSUED:
            _retire(
                previous,
                S.SUPERSEDED,
                user,
                _("Được thay thế bởi lần ban hành %(rev)s") % {"rev": version.revision},
                effective_date,
            )
        document.current_version = version
        document.status = Document.Status.IN_FORCE
        document.review_due = add_months(effective_date, document.review_period_months)
        document.needs_review, document.needs_review_reason, document.needs_review_since = False, "", None
    elif action == "obsolete":
        if not comment:
            raise ValidationError({"comment": _("Cần nêu lý do hủy bỏ tài liệu.")})
        version.retired_on = effective_date or today
        document.status = Document.Status.OBSOLETE
        document.review_due = None
        document.needs_review, document.needs_review_reason, document.needs_review_since = False, "", None
    version.status = target
    version.save()
    Transition.objects.create(
        version=version, action=action, from_status=before, to_status=target, actor=user, comment=comment
    )
    audit.record(version, AuditEntry.Action.TRANSITION, {"status": [before, target]}, comment=comment, actor=user)
    if action in ("issue", "obsolete"):
        document.save()
        reindex(document)
    if document.doc_type == DocumentType.EXTERNAL and (action == "obsolete" or (action == "issue" and previous)):
        _flag_citing_documents(
            document,
            (
                _("Văn bản căn cứ “%(doc)s” đã hết hiệu lực")
                if action == "obsolete"
                else _("Văn bản căn cứ “%(doc)s” đã được sửa đổi (lần %(rev)s)")
            )
            % {"doc": document, "rev": version.revision},
            # the update window runs from the day the changed legal text takes effect
            since=version.retired_on if action == "obsolete" else version.effective_date,
        )
    if action == "issue" and previous is not None and previous.pk != version.pk:
        # Whoever had the previous revision gets the new one to read.
        recipients = (
            get_user_model().objects.filter(document_distributions__version=previous, is_active=True).distinct()
        )
        _distribute(version, list(recipients), user)
    if action == "reject" and version.author_id:
        notify(
            [version.author],
            document,
            Notification.Kind.WORKFLOW,
            _("Dự thảo %(doc)s bị trả lại: %(reason)s") % {"doc": document, "reason": comment},
        )
    return version


def _retire(version: DocumentVersion, status: DocumentVersion.Status, user: User, comment: str, day: dt.date) -> None:
    before = version.status
    version.status = status
    version.retired_on = day
    version.save()
    Transition.objects.create(
        version=version, action=status, from_status=before, to_status=status, actor=user, comment=comment
    )
    audit.record(version, AuditEntry.Action.TRANSITION, {"status": [before, status]}, comment=comment, actor=user)
