"""Document control logic. Each public function is one transaction: it succeeds whole or changes
nothing, and raises ValidationError (Vietnamese, naming the field) or PermissionDenied."""

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Case, Count, Max, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import require
from accounts.roles import Role
from core import audit
from core.models import AuditEntry

from . import files, search
from .models import (
    Distribution, Document, DocumentType, DocumentVersion, Notification, QmsTemplate, RecordFile, RecordType,
    TemplateDocument, Transition, add_months,
)

S = DocumentVersion.Status
DOCUMENT_FIELDS = ("doc_type", "code", "title", "owner_unit", "review_period_months", "admin_procedure",
                   "responsible", "external_number", "external_issuer", "external_effective_date")


def separation_of_duties():
    return bool(settings.EISO.get("DOCUMENT_SEPARATION_OF_DUTIES", True))


# -- documents and drafts ------------------------------------------------------------------------
def _check_document(document):
    code = (document.code or "").strip()
    if not code:
        raise ValidationError({"code": _("Cần nhập mã hiệu tài liệu.")})
    document.code = code
    document.title = (document.title or "").strip()
    if not document.title:
        raise ValidationError({"title": _("Cần nhập tên tài liệu.")})
    clash = Document.objects.filter(agency_id=document.agency_id, code__iexact=code).exclude(pk=document.pk)
    if clash.exists():
        raise ValidationError({"code": _("Mã hiệu “%(code)s” đã được dùng cho một tài liệu khác của cơ quan.")
                               % {"code": code}})
    if document.doc_type == DocumentType.EXTERNAL:
        if not document.external_number:
            raise ValidationError({"external_number": _("Tài liệu bên ngoài cần có số, ký hiệu văn bản.")})
        if not document.external_issuer:
            raise ValidationError({"external_issuer": _("Tài liệu bên ngoài cần có cơ quan ban hành.")})
    if document.admin_procedure_id:
        if document.doc_type != DocumentType.PROCEDURE:
            raise ValidationError({"admin_procedure": _("Chỉ tài liệu loại quy trình mới gắn với thủ tục hành chính.")})
        if document.admin_procedure.province_id != document.agency.province_id:
            raise ValidationError({"admin_procedure": _("Thủ tục hành chính phải thuộc danh mục của tỉnh.")})
    if document.responsible_id and document.responsible.agency_id != document.agency_id:
        raise ValidationError({"responsible": _("Người chịu trách nhiệm phải là cán bộ của cơ quan.")})
    document.full_clean(exclude=["sort_key", "search_text", "current_version", "agency", "responsible",
                                 "admin_procedure"], validate_unique=False, validate_constraints=False)


def _set_content(version, upload=None, body=None):
    """Validate and attach new content. The file is written last; callers delete it if they fail later."""
    if upload is not None:
        kind, text = files.inspect_upload(upload)
        version.file_kind, version.text = kind, text
        version.original_name = PurePosixPath(upload.name.replace("\\", "/")).name[:255]
        version.file_size = upload.size or 0
        version.file_sha256 = files.sha256(upload)
        version.body = body or ""
        version.file.save(f"x.{kind}", upload, save=False)
    elif body is not None:
        version.body = body
        if not version.file:
            version.text = files.body_text(body)


def _discard_file_on_error(version, had_file_name):
    if version.file and version.file.name != had_file_name:
        version.file.storage.delete(version.file.name)


def reindex(document):
    """Refresh a document's search text from its current (or else its latest) version."""
    version = document.current_version or document.versions.order_by("-revision").first()
    content = ""
    if version is not None:
        content = "\n".join(p for p in (version.text, files.body_text(version.body) if version.file else "") if p)
    document.search_text = search.document_text(document, content)
    Document.objects.filter(pk=document.pk).update(search_text=document.search_text)
    search.index_document(document)


def _set_legal_bases(document, bases):
    """The external documents this one cites: of the same agency, external, never itself."""
    bases = list(bases)
    wrong = [b for b in bases if b.agency_id != document.agency_id or b.doc_type != DocumentType.EXTERNAL
             or b.pk == document.pk]
    if wrong:
        raise ValidationError({"legal_bases": _("Văn bản căn cứ phải là tài liệu bên ngoài của cơ quan: %(docs)s.")
                               % {"docs": ", ".join(str(b) for b in wrong)}})
    document.legal_bases.set(bases)


def _flag_citing_documents(external, reason):
    """An external document was revised or withdrawn: the documents based on it need a review."""
    for citing in external.cited_by.exclude(status=Document.Status.OBSOLETE):
        flag_for_review(citing, reason)


@transaction.atomic
def create_document(*, agency, user, upload=None, body="", change_summary="", **fields):
    """A new document with its first draft (revision 1)."""
    require(user, "documents.add_document", agency, _("Bạn không có quyền tạo tài liệu cho cơ quan này."))
    document = Document(agency=agency, **{k: v for k, v in fields.items() if k in DOCUMENT_FIELDS})
    _check_document(document)
    version = DocumentVersion(revision=1, status=S.DRAFT, author=user,
                              change_summary=change_summary or _("Ban hành lần đầu"))
    try:
        _set_content(version, upload, body)
        document.save()
        if fields.get("legal_bases") is not None:
            _set_legal_bases(document, fields["legal_bases"])
        version.document = document
        version.save()
    except Exception:
        _discard_file_on_error(version, "")
        raise
    reindex(document)
    return document


@transaction.atomic
def update_draft(version, user, *, upload=None, body=None, change_summary=None, change_reason=None, remove_file=False,
                 **fields):
    """Edit a draft: its content, its change-log entry and the document's particulars."""
    version = DocumentVersion.objects.select_for_update().select_related("document__agency").get(pk=version.pk)
    document = version.document
    require(user, "documents.change_document", document)
    if version.status != S.DRAFT:
        raise ValidationError(_("Phiên bản lần %(rev)s đang ở trạng thái “%(status)s”, không thể sửa. Muốn thay đổi "
                                "tài liệu đã ban hành, hãy tạo lần sửa đổi mới.")
                              % {"rev": version.revision, "status": version.get_status_display()})
    for name, value in fields.items():
        if name in DOCUMENT_FIELDS:
            setattr(document, name, value)
    _check_document(document)
    if change_summary is not None:
        version.change_summary = change_summary
    if change_reason is not None:
        version.change_reason = change_reason
    if remove_file and upload is None and version.file:
        # Only detach: the stored file may still be the content of an earlier revision.
        version.file, version.file_kind, version.original_name, version.file_size, version.file_sha256 = (
            None, "", "", 0, "")
        version.text = files.body_text(body if body is not None else version.body)
    old_name = version.file.name if version.file else ""
    try:
        _set_content(version, upload, body)
        document.save()
        if fields.get("legal_bases") is not None:
            _set_legal_bases(document, fields["legal_bases"])
        version.save()
    except Exception:
        _discard_file_on_error(version, old_name)
        raise
    reindex(document)
    return version


@transaction.atomic
def revise(document, user, *, change_summary, change_reason=""):
    """Start a new draft revision of an issued document; the issued one stays in force meanwhile."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    require(user, "documents.change_document", document)
    if not (change_summary or "").strip():
        raise ValidationError({"change_summary": _("Cần nêu nội dung sửa đổi.")})
    if document.status != Document.Status.IN_FORCE:
        raise ValidationError(_("Chỉ sửa đổi được tài liệu đang hiệu lực."))
    open_version = document.open_version()
    if open_version is not None:
        raise ValidationError(_("Tài liệu đang có dự thảo lần %(rev)s chưa ban hành; hãy hoàn tất dự thảo đó.")
                              % {"rev": open_version.revision})
    base = document.current_version
    last = document.versions.aggregate(m=Max("revision"))["m"] or 0
    version = DocumentVersion.objects.create(
        document=document, revision=last + 1, status=S.DRAFT, author=user, body=base.body if base else "",
        file=base.file.name if base and base.file else "", file_kind=base.file_kind if base else "",
        original_name=base.original_name if base else "", file_size=base.file_size if base else 0,
        file_sha256=base.file_sha256 if base else "",
        text=base.text if base else "", change_summary=change_summary.strip(), change_reason=change_reason.strip(),
    )
    audit.record(version, AuditEntry.Action.EVENT, {"revision": [base.revision if base else None, version.revision]},
                 comment=_("Bắt đầu sửa đổi: %(s)s") % {"s": change_summary.strip()}, actor=user)
    return version


# -- workflow ------------------------------------------------------------------------------------
ACTIONS = {
    # action: (permission, allowed from, to, label)
    "submit": ("documents.submit_document", (S.DRAFT,), S.SUBMITTED, gettext_lazy("trình kiểm tra")),
    "review": ("documents.review_document", (S.SUBMITTED,), S.REVIEWED, gettext_lazy("xác nhận đã kiểm tra")),
    "reject": ("documents.review_document", (S.SUBMITTED, S.REVIEWED, S.APPROVED), S.DRAFT, gettext_lazy("trả lại")),
    "approve": ("documents.approve_document", (S.REVIEWED,), S.APPROVED, gettext_lazy("phê duyệt")),
    "issue": ("documents.issue_document", (S.APPROVED,), S.ISSUED, gettext_lazy("ban hành")),
    "obsolete": ("documents.obsolete_document", (S.ISSUED,), S.OBSOLETE, gettext_lazy("hủy bỏ (hết hiệu lực)")),
}


def allowed_actions(version, user):
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


def drafter_excluded(version, user):
    """True when `user` drafted `version` and the rule keeps them from checking or approving it."""
    return separation_of_duties() and version.author_id is not None and version.author_id == user.pk


def workflow_steps(version=None):
    """Who may act at each step of the document workflow (roles, and 'not the drafter' where it applies).

    Roles are read from the permissions, so the page says what the system enforces."""
    from accounts.permissions import role_permissions
    from accounts.roles import AGENCY_ROLES

    grants = role_permissions()
    steps = []
    for action, label in (("submit", gettext_lazy("Soạn thảo, trình kiểm tra")), ("review", gettext_lazy("Kiểm tra")),
                          ("approve", gettext_lazy("Phê duyệt")), ("issue", gettext_lazy("Ban hành"))):
        perm = ACTIONS[action][0]
        roles = [str(role.label) for role in Role if role in AGENCY_ROLES and perm in grants.get(role, ())]
        steps.append({"action": action, "label": label, "roles": roles,
                      "not_drafter": action in DRAFTER_EXCLUDED and separation_of_duties()})
    return steps


def _notify(users, document, kind, message):
    today = timezone.localdate()
    for user in users:
        Notification.objects.get_or_create(user=user, document=document, kind=kind, created_on=today,
                                           defaults={"message": message[:500]})


@transaction.atomic
def transition(version, user, action, comment="", effective_date=None):
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
        raise ValidationError(_("Không thể %(action)s: phiên bản lần %(rev)s đang ở trạng thái “%(status)s”. "
                                "Quy trình phải đi đủ các bước: dự thảo → kiểm tra → phê duyệt → ban hành.")
                              % {"action": label, "rev": version.revision, "status": version.get_status_display()})
    if action in DRAFTER_EXCLUDED and drafter_excluded(version, user):
        if action == "review":
            raise ValidationError(_("Người soạn thảo không được tự kiểm tra dự thảo của mình (phân tách trách "
                                    "nhiệm). Đề nghị người khác có thẩm quyền kiểm tra."))
        raise ValidationError(_("Người soạn thảo không được tự phê duyệt tài liệu của mình (phân tách trách "
                                "nhiệm). Đề nghị lãnh đạo khác phê duyệt."))
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
            _retire(previous, S.SUPERSEDED, user, _("Được thay thế bởi lần ban hành %(rev)s") % {"rev": version.revision},
                    effective_date)
        document.current_version = version
        document.status = Document.Status.IN_FORCE
        document.review_due = add_months(effective_date, document.review_period_months)
        document.needs_review, document.needs_review_reason = False, ""
    elif action == "obsolete":
        if not comment:
            raise ValidationError({"comment": _("Cần nêu lý do hủy bỏ tài liệu.")})
        version.retired_on = effective_date or today
        document.status = Document.Status.OBSOLETE
        document.review_due = None
        document.needs_review, document.needs_review_reason = False, ""
    version.status = target
    version.save()
    Transition.objects.create(version=version, action=action, from_status=before, to_status=target, actor=user,
                              comment=comment)
    audit.record(version, AuditEntry.Action.TRANSITION, {"status": [before, target]}, comment=comment, actor=user)
    if action in ("issue", "obsolete"):
        document.save()
        reindex(document)
    if document.doc_type == DocumentType.EXTERNAL and (action == "obsolete" or (action == "issue" and previous)):
        _flag_citing_documents(document, (
            _("Văn bản căn cứ “%(doc)s” đã hết hiệu lực") if action == "obsolete" else
            _("Văn bản căn cứ “%(doc)s” đã được sửa đổi (lần %(rev)s)")) % {"doc": document, "rev": version.revision})
    if action == "issue" and previous is not None and previous.pk != version.pk:
        # Whoever had the previous revision gets the new one to read.
        recipients = get_user_model().objects.filter(
            document_distributions__version=previous, is_active=True).distinct()
        _distribute(version, list(recipients), user)
    if action == "reject" and version.author_id:
        _notify([version.author], document, Notification.Kind.WORKFLOW,
                _("Dự thảo %(doc)s bị trả lại: %(reason)s") % {"doc": document, "reason": comment})
    return version


def _retire(version, status, user, comment, day):
    before = version.status
    version.status = status
    version.retired_on = day
    version.save()
    Transition.objects.create(version=version, action=status, from_status=before, to_status=status, actor=user,
                              comment=comment)
    audit.record(version, AuditEntry.Action.TRANSITION, {"status": [before, status]}, comment=comment, actor=user)


# -- distribution and acknowledgement -------------------------------------------------------------
def _distribute(version, recipients, by):
    created = 0
    existing = set(version.distributions.values_list("recipient_id", flat=True))
    for person in recipients:
        if person.pk in existing:
            continue
        Distribution.objects.create(version=version, recipient=person, unit=person.unit, distributed_by=by)
        existing.add(person.pk)
        created += 1
    _notify(recipients, version.document, Notification.Kind.TO_READ,
            _("Tài liệu cần đọc: %(doc)s (lần ban hành %(rev)s)") % {"doc": version.document, "rev": version.revision})
    return created


def agency_members(agency):
    return get_user_model().objects.filter(agency=agency, is_active=True)


@transaction.atomic
def distribute(version, user, *, recipients=(), units=()):
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
    audit.record(version, AuditEntry.Action.EVENT, {"distributed": created},
                 comment=_("Phân phối cho %(n)s người") % {"n": created}, actor=user)
    return created


@transaction.atomic
def acknowledge(version, user):
    """The recipient confirms having read the version."""
    require(user, "documents.acknowledge_document", version.document)
    dist = Distribution.objects.select_for_update().filter(version=version, recipient=user).first()
    if dist is None:
        raise ValidationError(_("Tài liệu này chưa được phân phối cho bạn."))
    if dist.acknowledged_at is None:
        dist.acknowledged_at = timezone.now()
        dist.save()
        Notification.objects.filter(user=user, document=version.document, kind=Notification.Kind.TO_READ,
                                    read_at__isnull=True).update(read_at=timezone.now())
    return dist


def pending_acknowledgements(user):
    return (Distribution.objects.filter(recipient=user, acknowledged_at__isnull=True, version__status=S.ISSUED)
            .select_related("version__document"))


def distribution_summary(version):
    return version.distributions.aggregate(total=Count("pk"), read=Count("pk", filter=Q(acknowledged_at__isnull=False)))


# -- periodic review -----------------------------------------------------------------------------
@transaction.atomic
def flag_for_review(document, reason):
    document = Document.objects.select_for_update().get(pk=document.pk)
    document.needs_review = True
    document.needs_review_reason = reason[:500]
    document.save()
    audit.record(document, AuditEntry.Action.EVENT, {"needs_review": [False, True]}, comment=reason)
    _notify(_owners(document), document, Notification.Kind.NEEDS_UPDATE,
            _("Cần cập nhật %(doc)s: %(reason)s") % {"doc": document, "reason": reason})
    return document


@transaction.atomic
def mark_reviewed(document, user, comment=""):
    """A periodic review found no change needed: the next review date moves on."""
    document = Document.objects.select_for_update().get(pk=document.pk)
    require(user, "documents.change_document", document)
    if document.status != Document.Status.IN_FORCE:
        raise ValidationError(_("Chỉ xem xét định kỳ tài liệu đang hiệu lực."))
    document.review_due = add_months(timezone.localdate(), document.review_period_months)
    document.needs_review, document.needs_review_reason = False, ""
    document.save()
    audit.record(document, AuditEntry.Action.EVENT, {"reviewed": True},
                 comment=comment or _("Xem xét định kỳ: không cần sửa đổi"), actor=user)
    return document


def on_procedure_changed(sender, procedure, reason="", **kwargs):
    """procedures.signals.procedure_changed: every linked document needs an update."""
    text = _("Thủ tục hành chính “%(code)s” thay đổi: %(reason)s") % {"code": procedure.code, "reason": reason}
    for document in Document.objects.filter(admin_procedure=procedure).exclude(status=Document.Status.OBSOLETE):
        flag_for_review(document, text)


def _owners(document):
    if document.responsible_id and document.responsible.is_active:
        return [document.responsible]
    return list(agency_members(document.agency).filter(role=Role.ISO_SECRETARY))


def send_review_reminders(today=None):
    """Remind owners of documents past their review date or flagged for update (once a day each)."""
    today = today or timezone.localdate()
    sent = 0
    for document in Document.objects.needs_review(today).select_related("responsible", "agency"):
        if document.needs_review:
            kind, message = Notification.Kind.NEEDS_UPDATE, _("Cần cập nhật %(doc)s: %(reason)s") % {
                "doc": document, "reason": document.needs_review_reason}
        else:
            kind, message = Notification.Kind.REVIEW_DUE, _("%(doc)s đã quá hạn xem xét định kỳ (%(due)s).") % {
                "doc": document, "due": document.review_due.strftime("%d/%m/%Y")}
        for user in _owners(document):
            _note, created = Notification.objects.get_or_create(
                user=user, document=document, kind=kind, created_on=today, defaults={"message": message[:500]})
            sent += created
    return sent


@transaction.atomic
def mark_notification_read(notification, user):
    if notification.user_id != user.pk:
        raise PermissionDenied(_("Thông báo này không phải của bạn."))
    notification.read_at = notification.read_at or timezone.now()
    notification.save(update_fields=["read_at"])


# -- records -------------------------------------------------------------------------------------
@transaction.atomic
def create_record_type(*, user, document, name, kept_by, retention_months, kept_at="", form=None):
    require(user, "documents.add_recordtype", document)
    if document.doc_type != DocumentType.PROCEDURE:
        raise ValidationError({"document": _("Hồ sơ phải gắn với một quy trình.")})
    if form is not None and (form.agency_id != document.agency_id or form.doc_type != DocumentType.FORM):
        raise ValidationError({"form": _("Biểu mẫu phải là tài liệu loại biểu mẫu của cùng cơ quan.")})
    record_type = RecordType(agency=document.agency, document=document, form=form, name=name.strip(),
                             kept_by=kept_by.strip(), kept_at=kept_at.strip(), retention_months=retention_months)
    record_type.full_clean()
    record_type.save()
    return record_type


@transaction.atomic
def add_record_file(*, user, record_type, label, closed_on):
    require(user, "documents.add_recordtype", record_type)
    if closed_on is None:
        raise ValidationError({"closed_on": _("Cần nhập ngày kết thúc tập hồ sơ.")})
    record_file = RecordFile(record_type=record_type, label=label.strip(), closed_on=closed_on)
    record_file.full_clean(exclude=["expires_on"])
    record_file.save()
    return record_file


def expiring_record_files(queryset, today=None, within_days=90):
    today = today or timezone.localdate()
    return queryset.filter(disposed_on__isnull=True, expires_on__isnull=False,
                           expires_on__lte=today + dt.timedelta(days=within_days))


# -- model QMS templates -------------------------------------------------------------------------
@transaction.atomic
def create_template(*, user, province, kind, name, description=""):
    template = QmsTemplate(province=province, kind=kind, name=name.strip(), description=description)
    require(user, "documents.add_qmstemplate", template)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def save_template_document(*, user, template, instance=None, **fields):
    require(user, "documents.change_qmstemplate", template)
    item = instance or TemplateDocument(template=template)
    for name, value in fields.items():
        setattr(item, name, value)
    item.code = (item.code or "").strip()
    clash = TemplateDocument.objects.filter(template=template, code__iexact=item.code).exclude(pk=item.pk)
    if clash.exists():
        raise ValidationError({"code": _("Mã hiệu “%(code)s” đã có trong mô hình.") % {"code": item.code}})
    item.full_clean(exclude=["template"])
    item.save()
    return item


@transaction.atomic
def instantiate_template(template, agency, user):
    """Create an agency's QMS from a model in one step: every document as a draft, with its records."""
    require(user, "documents.add_document", agency, _("Bạn không có quyền tạo tài liệu cho cơ quan này."))
    require(user, "documents.view_qmstemplate", template)
    if template.province_id != agency.province_id:
        raise ValidationError(_("Mô hình không thuộc tỉnh của cơ quan."))
    items = list(template.documents.all())
    if not items:
        raise ValidationError(_("Mô hình “%(name)s” chưa có tài liệu nào.") % {"name": template.name})
    taken = {c.lower() for c in Document.objects.filter(agency=agency).values_list("code", flat=True)}
    clashes = [i.code for i in items if i.code.lower() in taken]
    if clashes:
        raise ValidationError({"code": _("Cơ quan đã có tài liệu mang mã hiệu: %(codes)s. Hãy đổi mã các tài liệu đó "
                                         "trước khi áp dụng mô hình.") % {"codes": ", ".join(clashes)}})
    created = []
    for item in items:
        document = Document.objects.create(agency=agency, doc_type=item.doc_type, code=item.code, title=item.title,
                                           owner_unit=item.owner_unit, review_period_months=item.review_period_months)
        DocumentVersion.objects.create(
            document=document, revision=1, status=S.DRAFT, author=user, body=item.body,
            text=files.body_text(item.body),
            change_summary=_("Xây dựng từ mô hình “%(name)s”") % {"name": template.name})
        for record in item.records or []:
            RecordType.objects.create(agency=agency, document=document, name=record.get("name", "")[:300],
                                      kept_by=record.get("kept_by", "")[:200], kept_at=record.get("kept_at", "")[:200],
                                      retention_months=int(record.get("retention_months", 12)))
        document.search_text = search.document_text(document, files.body_text(item.body))
        Document.objects.filter(pk=document.pk).update(search_text=document.search_text)
        created.append(document)
    search.bulk_index((d.pk, d.search_text) for d in created)
    audit.record(agency, AuditEntry.Action.EVENT, {"documents": len(created)},
                 comment=_("Xây dựng HTQLCL từ mô hình “%(name)s”") % {"name": template.name}, actor=user)
    return created


# -- documents in force and exports ---------------------------------------------------------------
TYPE_ORDER = [t.value for t in DocumentType]


def type_rank():
    """An ORDER BY expression: documents by type in the order of the quality system (policy first)."""
    return Case(*[When(doc_type=t, then=Value(i)) for i, t in enumerate(TYPE_ORDER)], default=Value(99))


@dataclass(frozen=True)
class InForceRow:
    """One line of the list of documents in force (plain values: the list is read-only and long)."""

    id: int
    code: str
    title: str
    doc_type: str
    owner_unit: str
    review_due: dt.date | None
    needs_review: bool
    revision: int
    effective_date: dt.date | None
    agency_id: int = 0
    agency_name: str = ""
    agency_sort_key: str = ""

    def get_doc_type_display(self):
        return str(DocumentType(self.doc_type).label)

    def get_absolute_url(self):
        return reverse("documents:document_detail", args=[self.id])


def in_force_versions(as_of=None):
    """The revisions in force on `as_of` (default today): one per document, at most.

    In force on a day: issued with effect from that day or earlier, and not yet retired (superseded or
    withdrawn) on that day. A revision issued today with effect from tomorrow is not in force today; the
    revision it replaces (retired from tomorrow) still is."""
    as_of = as_of or timezone.localdate()
    return DocumentVersion.objects.filter(status__in=DocumentVersion.CLOSED, effective_date__lte=as_of).filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=as_of))


def in_force_documents(agencies, as_of=None):
    """The list of documents in force (danh mục tài liệu) of one agency or of several, on `as_of` (default
    today), by agency, then type, then code.

    Read as plain values: loading audited model instances would fetch and snapshot every column
    (content included) of 500 documents and their versions for a read-only list."""
    from organizations.models import Agency

    versions = in_force_versions(as_of)
    if isinstance(agencies, Agency):
        versions = versions.filter(document__agency=agencies)
    else:
        versions = versions.filter(document__agency__in=agencies)
    rows = versions.values_list(
        "document_id", "document__code", "document__title", "document__doc_type", "document__owner_unit",
        "document__review_due", "document__needs_review", "revision", "effective_date", "document__agency_id",
        "document__agency__name", "document__agency__sort_key")
    docs = [InForceRow(*row) for row in rows]
    return sorted(docs, key=lambda d: (d.agency_sort_key, d.agency_id, TYPE_ORDER.index(d.doc_type), d.code))


EXPORT_HEADERS = [gettext_lazy("STT"), gettext_lazy("Mã hiệu"), gettext_lazy("Tên tài liệu"),
                  gettext_lazy("Loại tài liệu"), gettext_lazy("Lần ban hành"), gettext_lazy("Ngày hiệu lực"),
                  gettext_lazy("Đơn vị chủ trì"), gettext_lazy("Hạn xem xét")]


def _export_rows(agency, as_of=None):
    for i, d in enumerate(in_force_documents(agency, as_of), start=1):
        yield [i, d.code, d.title, d.get_doc_type_display(), f"{d.revision:02d}",
               d.effective_date.strftime("%d/%m/%Y") if d.effective_date else "", d.owner_unit,
               d.review_due.strftime("%d/%m/%Y") if d.review_due else ""]


def _dated(as_of):
    as_of = as_of or timezone.localdate()
    return as_of.strftime("%d/%m/%Y")


def export_in_force_xlsx(agency, as_of=None):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh muc tai lieu"
    ws.append([_("DANH MỤC TÀI LIỆU HTQLCL ĐANG HIỆU LỰC")])
    ws.append([agency.name])
    ws.append([_("Tài liệu hiệu lực tại ngày %(d)s") % {"d": _dated(as_of)}])
    ws.append([])
    ws.append([str(h) for h in EXPORT_HEADERS])
    for cell in ws[1] + ws[5]:
        cell.font = Font(bold=True)
    for row in _export_rows(agency, as_of):
        ws.append(row)
    for col, width in zip("ABCDEFGH", (6, 14, 60, 22, 12, 14, 28, 14), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=6):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_in_force_docx(agency, as_of=None):
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from .layout import a4_document, text_width_cm

    document = a4_document()
    if agency.parent_id:
        document.add_paragraph(agency.parent.name.upper())
    head = document.add_paragraph(agency.name.upper())
    head.runs[0].bold = True
    title = document.add_paragraph(_("DANH MỤC TÀI LIỆU HTQLCL ĐANG HIỆU LỰC"))
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].bold = True
    title.runs[0].font.size = Pt(14)
    sub = document.add_paragraph(_("(Theo TCVN ISO 9001:2015 – tài liệu hiệu lực tại ngày %(d)s)")
                                 % {"d": _dated(as_of)})
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rows = list(_export_rows(agency, as_of))
    table = document.add_table(rows=1, cols=len(EXPORT_HEADERS))
    table.style = "Table Grid"
    table.autofit = False
    # Column widths (cm) filling the 16 cm between the margins: the title gets the room.
    shares = (1.0, 2.0, 4.4, 2.0, 1.2, 2.0, 1.8, 1.6)
    widths = [Cm(w * text_width_cm() / sum(shares)) for w in shares]
    for cell, header in zip(table.rows[0].cells, EXPORT_HEADERS, strict=True):
        cell.text = str(header)
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    for table_row in table.rows:
        for cell, width in zip(table_row.cells, widths, strict=True):
            cell.width = width
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def store_generated_file(version, name, data):
    """Attach generated bytes (demo data, imports) as a version's file, validated like an upload."""
    upload = ContentFile(data, name=name)
    kind, text = files.inspect_upload(upload)
    version.file_kind, version.text, version.original_name, version.file_size = kind, text, name, len(data)
    version.file_sha256 = files.sha256(upload)
    version.file.save(name, upload, save=False)
    return version
