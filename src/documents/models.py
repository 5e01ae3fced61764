"""Document control (ISO 9001:2015 clause 7.5): controlled documents, their versions and workflow,
distribution and acknowledgement, ISO records, and model QMS templates."""

import datetime as dt
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedModel
from core.text import sort_key


class DocumentType(models.TextChoices):
    QUALITY_MANUAL = "manual", _("Sổ tay chất lượng")
    QUALITY_POLICY = "policy", _("Chính sách chất lượng")
    QUALITY_OBJECTIVES = "objectives", _("Mục tiêu chất lượng")
    PROCEDURE = "procedure", _("Quy trình")
    FORM = "form", _("Biểu mẫu")
    WORK_INSTRUCTION = "instruction", _("Hướng dẫn công việc")
    EXTERNAL = "external", _("Tài liệu bên ngoài")


def add_months(day, months):
    """The same day `months` later (clamped to the month's last day)."""
    if day is None or not months:
        return None
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    return None


def audit_value(name, value):
    """A workflow event's fact as an official reads it: yes/no, a status label, a person's name (never "#2")."""
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if name == "status":
        return dict(DocumentVersion.Status.choices).get(value, value)
    if name in ("checker", "approver") and isinstance(value, int):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(pk=value).first()
        return str(user) if user is not None else _("(tài khoản đã xóa)")
    return value


class DocumentQuerySet(models.QuerySet):
    def in_force(self):
        return self.filter(status=Document.Status.IN_FORCE)

    def needs_review(self, today=None):
        today = today or timezone.localdate()
        return self.in_force().filter(models.Q(needs_review=True) | models.Q(review_due__lt=today))

    def for_listing(self):
        """With agency and current version, without the (possibly very long) content text."""
        return self.select_related("agency", "current_version").defer(
            "search_text", "current_version__text", "current_version__body"
        )


class Document(AuditedModel):
    """A controlled document of an agency (tài liệu), identified by its code; content lives in versions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang soạn thảo")
        IN_FORCE = "in_force", _("Đang hiệu lực")
        OBSOLETE = "obsolete", _("Hết hiệu lực")

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="documents"
    )
    doc_type = models.CharField(_("loại tài liệu"), max_length=20, choices=DocumentType.choices)
    code = models.CharField(_("mã hiệu"), max_length=50)
    title = models.CharField(_("tên tài liệu"), max_length=500)
    owner_unit = models.CharField(_("đơn vị chủ trì"), max_length=150, blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người chịu trách nhiệm"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_period_months = models.PositiveSmallIntegerField(_("chu kỳ xem xét (tháng)"), default=12)
    admin_procedure = models.ForeignKey(
        "procedures.AdminProcedure",
        verbose_name=_("thủ tục hành chính"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    legal_bases = models.ManyToManyField(
        "self",
        verbose_name=_("văn bản căn cứ"),
        symmetrical=False,
        blank=True,
        related_name="cited_by",
        help_text=_(
            "Luật, nghị định, thông tư… mà tài liệu này căn cứ; khi văn bản căn cứ được sửa đổi hoặc "
            "hết hiệu lực, tài liệu được đưa vào danh sách cần xem xét."
        ),
    )
    # External documents (laws, decrees, circulars)
    external_number = models.CharField(_("số, ký hiệu văn bản"), max_length=100, blank=True)
    external_issuer = models.CharField(_("cơ quan ban hành"), max_length=255, blank=True)
    external_effective_date = models.DateField(_("ngày có hiệu lực của văn bản"), null=True, blank=True)

    status = models.CharField(
        _("tình trạng"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    current_version = models.ForeignKey(
        "DocumentVersion",
        verbose_name=_("phiên bản hiện hành"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    review_due = models.DateField(_("hạn xem xét"), null=True, blank=True)
    needs_review = models.BooleanField(_("cần xem xét, cập nhật"), default=False)
    needs_review_reason = models.CharField(_("lý do cần xem xét"), max_length=500, blank=True)
    # When the change that calls for the update took effect: Decision 19/2014/QĐ-TTg gives three months from then.
    needs_review_since = models.DateField(_("cần cập nhật từ ngày"), null=True, blank=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    sort_key = models.CharField(_("khóa sắp xếp"), max_length=1200, editable=False)
    # Folded (search_key) title, code and content of the current text: what search.py indexes.
    search_text = models.TextField(_("nội dung tìm kiếm"), editable=False, blank=True)

    objects = DocumentQuerySet.as_manager()
    audit_exclude = ("search_key", "sort_key", "search_text")
    # The facts of workflow events (services.flag_for_review, mark_reviewed, instantiate_template …).
    audit_labels = {
        "needs_review": _("cần xem xét, cập nhật"),
        "reviewed": _("đã xem xét định kỳ"),
        "documents": _("số tài liệu"),
        "revision": _("lần ban hành"),
    }

    @classmethod
    def audit_value(cls, entry, name, value):
        return audit_value(name, value)

    class Meta:
        verbose_name = _("tài liệu")
        verbose_name_plural = _("tài liệu")
        ordering = ["agency_id", "doc_type", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="document_code_unique_in_agency")]
        indexes = [models.Index(fields=["agency", "status", "doc_type"])]
        permissions = [
            ("submit_document", "Can submit a draft for review"),
            ("review_document", "Can review a submitted draft"),
            ("approve_document", "Can approve a reviewed draft"),
            ("issue_document", "Can issue an approved version"),
            ("obsolete_document", "Can withdraw an issued document"),
            ("distribute_document", "Can distribute an issued version"),
            ("acknowledge_document", "Can acknowledge having read a document"),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def save(self, *args, **kwargs):
        self.sort_key = sort_key(self.title)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("documents:document_detail", args=[self.pk])

    def open_version(self):
        """The version being drafted or in approval, if any."""
        return self.versions.exclude(status__in=DocumentVersion.CLOSED).order_by("-revision").first()


def version_upload_to(instance, filename):
    """An unguessable name under documents/: never the uploader's name, never a path outside the root."""
    ext = PurePosixPath(filename).suffix.lower()
    ext = ext if ext in (".pdf", ".docx") else ""
    key = uuid.uuid4().hex
    return f"documents/{key[:2]}/{key}{ext}"


class DocumentVersion(AuditedModel):
    """One revision (lần ban hành) of a document, moving through the approval workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Dự thảo")
        SUBMITTED = "submitted", _("Chờ kiểm tra")
        REVIEWED = "reviewed", _("Đã kiểm tra, chờ phê duyệt")
        APPROVED = "approved", _("Đã phê duyệt, chờ ban hành")
        ISSUED = "issued", _("Đã ban hành")
        SUPERSEDED = "superseded", _("Đã được thay thế")
        OBSOLETE = "obsolete", _("Hết hiệu lực")

    CLOSED = ("issued", "superseded", "obsolete")
    RETIRED = ("superseded", "obsolete")

    class FileKind(models.TextChoices):
        NONE = "", _("Soạn trực tiếp")
        DOCX = "docx", "DOCX"
        PDF = "pdf", "PDF"

    document = models.ForeignKey(
        Document, verbose_name=_("tài liệu"), on_delete=models.CASCADE, related_name="versions"
    )
    revision = models.PositiveSmallIntegerField(_("lần ban hành"))
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    file = models.FileField(_("tệp nội dung"), upload_to=version_upload_to, blank=True, max_length=200)
    file_kind = models.CharField(_("định dạng"), max_length=10, choices=FileKind.choices, blank=True)
    original_name = models.CharField(_("tên tệp gốc"), max_length=255, blank=True)
    file_size = models.PositiveIntegerField(_("dung lượng"), default=0)
    file_sha256 = models.CharField(_("mã băm SHA-256 của tệp"), max_length=64, blank=True)
    body = models.TextField(_("nội dung soạn trực tiếp"), blank=True)
    text = models.TextField(_("văn bản trích xuất"), blank=True, editable=False)
    change_summary = models.TextField(_("nội dung sửa đổi"), blank=True)
    change_reason = models.TextField(_("lý do sửa đổi"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người soạn thảo"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người kiểm tra"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phê duyệt"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người ban hành"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    effective_date = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    retired_on = models.DateField(_("ngày hết hiệu lực"), null=True, blank=True)
    rejection_reason = models.TextField(_("lý do trả lại"), blank=True)

    # FieldFile is not JSON: the trail records the file's name in storage and its SHA-256 instead.
    audit_exclude = ("text", "file")
    # The facts of workflow events (services.revise, distribute, transition).
    audit_labels = {
        "revision": _("lần ban hành"),
        "distributed": _("số người được phân phối"),
        "needs_review": _("cần xem xét, cập nhật"),
        "reviewed": _("đã xem xét định kỳ"),
        "checker": _("người kiểm tra"),
        "approver": _("người phê duyệt"),
        "status": _("trạng thái"),
    }

    @classmethod
    def audit_value(cls, entry, name, value):
        return audit_value(name, value)

    class Meta:
        verbose_name = _("phiên bản tài liệu")
        verbose_name_plural = _("phiên bản tài liệu")
        ordering = ["document_id", "-revision"]
        constraints = [models.UniqueConstraint(fields=["document", "revision"], name="document_revision_unique")]

    def __str__(self):
        return f"{self.document.code} – {_('lần ban hành')} {self.revision:02d}"

    def get_absolute_url(self):
        return reverse("documents:version_detail", args=[self.pk])

    def audit_agency(self):
        return self.document.agency

    @property
    def is_retired(self):
        return self.status in self.RETIRED

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT


class DocumentPreview(models.Model):
    """The HTML preview of a version's DOCX, rendered once in the background (`tasks.render_preview`) and stored:
    the version page serves it and never converts on request. Derived from the file (not audited); rendered again
    only when the version's file changes (another SHA-256)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chuẩn bị")
        READY = "ready", _("Đã sẵn sàng")
        FAILED = "failed", _("Không tạo được")

    version = models.OneToOneField(
        DocumentVersion, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="preview"
    )
    file_sha256 = models.CharField(_("mã băm SHA-256 của tệp"), max_length=64)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices, default=Status.PENDING)
    html = models.TextField(_("nội dung xem trước"), blank=True)
    truncated = models.BooleanField(_("chỉ phần đầu tài liệu"), default=False)
    shown_chars = models.PositiveIntegerField(_("số ký tự hiển thị"), default=0)
    error = models.CharField(_("lý do không tạo được"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    requested_at = models.DateTimeField(_("yêu cầu lúc"), default=timezone.now)
    rendered_at = models.DateTimeField(_("tạo lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("bản xem trước")
        verbose_name_plural = _("bản xem trước")

    def __str__(self):
        return _("Bản xem trước của %(version)s") % {"version": self.version}

    @property
    def is_finished(self):
        return self.status in (self.Status.READY, self.Status.FAILED)


class Transition(models.Model):
    """One step of a version's workflow: who moved it, when, and why (append-only)."""

    version = models.ForeignKey(
        DocumentVersion, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="transitions"
    )
    action = models.CharField(_("thao tác"), max_length=20)
    from_status = models.CharField(_("từ trạng thái"), max_length=20, choices=DocumentVersion.Status.choices)
    to_status = models.CharField(_("sang trạng thái"), max_length=20, choices=DocumentVersion.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    comment = models.TextField(_("ý kiến"), blank=True)

    LABELS = {
        "submit": _("Trình kiểm tra"),
        "review": _("Đã kiểm tra"),
        "reject": _("Trả lại"),
        "approve": _("Phê duyệt"),
        "issue": _("Ban hành"),
        "obsolete": _("Hủy bỏ"),
        "superseded": _("Được thay thế"),
    }

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("bước xử lý")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.action_label}: {self.version}"

    @property
    def action_label(self):
        return self.LABELS.get(self.action, self.action)


class Distribution(AuditedModel):
    """An issued version handed to one person; acknowledged when they confirm they read it."""

    version = models.ForeignKey(
        DocumentVersion, verbose_name=_("phiên bản"), on_delete=models.CASCADE, related_name="distributions"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người nhận"),
        on_delete=models.CASCADE,
        related_name="document_distributions",
    )
    unit = models.CharField(_("phòng, bộ phận"), max_length=150, blank=True)
    distributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người phân phối"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    distributed_at = models.DateTimeField(_("ngày phân phối"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("ngày xác nhận đã đọc"), null=True, blank=True)

    class Meta:
        verbose_name = _("phân phối tài liệu")
        verbose_name_plural = _("phân phối tài liệu")
        ordering = ["unit", "recipient__last_name", "recipient__first_name"]
        constraints = [models.UniqueConstraint(fields=["version", "recipient"], name="distribution_unique")]

    def __str__(self):
        to = f"{self.recipient} ({self.unit})" if self.unit else str(self.recipient)
        return _("Phân phối %(doc)s tới %(to)s") % {"doc": self.version, "to": to}

    def audit_agency(self):
        return self.version.document.agency


class Notification(models.Model):
    """An in-app message to a user (reminders, documents to read, work awaiting them)."""

    class Kind(models.TextChoices):
        REVIEW_DUE = "review_due", _("Đến hạn xem xét")
        NEEDS_UPDATE = "needs_update", _("Cần cập nhật")
        TO_READ = "to_read", _("Tài liệu cần đọc")
        WORKFLOW = "workflow", _("Công việc chờ xử lý")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("người nhận"), on_delete=models.CASCADE, related_name="notifications"
    )
    document = models.ForeignKey(
        Document, verbose_name=_("tài liệu"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    message = models.CharField(_("nội dung"), max_length=500)
    created_on = models.DateField(_("ngày"), default=timezone.localdate)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    read_at = models.DateTimeField(_("đã xem lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "document", "kind", "created_on"], name="notification_once_a_day")
        ]

    def __str__(self):
        return _("Thông báo tới %(user)s: %(message)s") % {"user": self.user, "message": self.message}


class RecordType(AuditedModel):
    """A kind of ISO record (hồ sơ) a procedure produces: where it is kept and for how long."""

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="record_types"
    )
    document = models.ForeignKey(
        Document, verbose_name=_("quy trình"), on_delete=models.PROTECT, related_name="record_types"
    )
    form = models.ForeignKey(
        Document, verbose_name=_("biểu mẫu"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("tên hồ sơ"), max_length=300)
    kept_by = models.CharField(_("đơn vị, người lưu"), max_length=200)
    kept_at = models.CharField(_("nơi lưu"), max_length=200, blank=True)
    retention_months = models.PositiveSmallIntegerField(
        _("thời gian lưu (tháng)"), help_text=_("0 nghĩa là lưu vĩnh viễn.")
    )

    class Meta:
        verbose_name = _("loại hồ sơ")
        verbose_name_plural = _("loại hồ sơ")
        ordering = ["document__code", "name"]

    def __str__(self):
        return self.name

    @property
    def retention_display(self):
        if not self.retention_months:
            return _("Vĩnh viễn")
        if self.retention_months % 12 == 0:
            return _("%(n)s năm") % {"n": self.retention_months // 12}
        return _("%(n)s tháng") % {"n": self.retention_months}


class RecordFile(AuditedModel):
    """A closed file of records of one type (e.g. the 2023 dossiers), kept until its retention ends."""

    record_type = models.ForeignKey(
        RecordType, verbose_name=_("loại hồ sơ"), on_delete=models.PROTECT, related_name="files"
    )
    label = models.CharField(_("tên tập hồ sơ"), max_length=200)
    closed_on = models.DateField(_("ngày kết thúc"))
    expires_on = models.DateField(_("hết thời hạn lưu"), null=True, blank=True, editable=False)
    disposed_on = models.DateField(_("ngày hủy"), null=True, blank=True)

    class Meta:
        verbose_name = _("tập hồ sơ")
        verbose_name_plural = _("tập hồ sơ")
        ordering = ["expires_on", "label"]

    def __str__(self):
        return self.label

    def audit_agency(self):
        return self.record_type.agency

    def save(self, *args, **kwargs):
        self.expires_on = add_months(self.closed_on, self.record_type.retention_months)
        super().save(*args, **kwargs)


class QmsTemplate(AuditedModel):
    """A model QMS for one kind of agency, kept by the oversight body; agencies start from it."""

    province = models.ForeignKey(
        "organizations.Province", verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="qms_templates"
    )
    kind = models.ForeignKey(
        "organizations.AgencyKind",
        verbose_name=_("loại cơ quan"),
        on_delete=models.PROTECT,
        related_name="qms_templates",
    )
    name = models.CharField(_("tên mô hình"), max_length=255)
    description = models.TextField(_("mô tả"), blank=True)
    is_active = models.BooleanField(_("đang sử dụng"), default=True)

    class Meta:
        verbose_name = _("mô hình HTQLCL")
        verbose_name_plural = _("mô hình HTQLCL")
        ordering = ["kind__order", "name"]

    def __str__(self):
        return self.name

    def audit_agency(self):
        return None

    @property
    def audit_province_id(self):
        return self.province_id

    def get_absolute_url(self):
        return reverse("documents:template_detail", args=[self.pk])


class TemplateDocument(AuditedModel):
    """A document of a model QMS, copied into an agency's QMS as a draft."""

    template = models.ForeignKey(
        QmsTemplate, verbose_name=_("mô hình"), on_delete=models.CASCADE, related_name="documents"
    )
    doc_type = models.CharField(_("loại tài liệu"), max_length=20, choices=DocumentType.choices)
    code = models.CharField(_("mã hiệu"), max_length=50)
    title = models.CharField(_("tên tài liệu"), max_length=500)
    owner_unit = models.CharField(_("đơn vị chủ trì"), max_length=150, blank=True)
    review_period_months = models.PositiveSmallIntegerField(_("chu kỳ xem xét (tháng)"), default=12)
    body = models.TextField(_("nội dung"), blank=True)
    records = models.JSONField(
        _("hồ sơ"), default=list, blank=True, help_text=_("Danh sách hồ sơ: tên, nơi lưu, thời gian lưu (tháng).")
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=100)

    class Meta:
        verbose_name = _("tài liệu mẫu")
        verbose_name_plural = _("tài liệu mẫu")
        ordering = ["order", "code"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="template_document_code_unique")]

    def __str__(self):
        return f"{self.code} {self.title}"

    def audit_agency(self):
        return None

    @property
    def audit_province_id(self):
        return self.template.province_id
