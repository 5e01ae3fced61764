"""Performance evaluation (TCVN ISO 9001:2015 §9.2, §9.3): the internal audit (programme, plans with their schedule,
the checklist with evidence, findings, the signed report) and the management review (inputs compiled from the
period's records, decisions and actions followed up at the next review)."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedModel

from . import clauses

USER = settings.AUTH_USER_MODEL


# -- internal audit (§9.2) ------------------------------------------------------------------------------------------
class AuditProgramme(AuditedModel):
    """An agency's internal audit programme for one year (Decision 19/2014/QĐ-TTg: at least one audit a year)."""

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="audit_programmes"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    aims = models.TextField(_("mục đích"))
    criteria = models.TextField(_("chuẩn mực đánh giá"))
    created_by = models.ForeignKey(USER, verbose_name=_("người lập"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("ngày lập"), auto_now_add=True)

    class Meta:
        verbose_name = _("chương trình đánh giá nội bộ")
        verbose_name_plural = _("chương trình đánh giá nội bộ")
        ordering = ["agency_id", "-year"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="audit_programme_once_a_year")]

    def __str__(self) -> str:
        return _("Chương trình đánh giá nội bộ năm %(year)s") % {"year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("evaluation:programme_detail", args=[self.pk])


class AuditPlan(AuditedModel):
    """One audit of the programme: its scope (units, procedures, clauses), dates and team; its checklist and findings;
    closed once every question is answered."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang thực hiện")
        CLOSED = "closed", _("Đã kết thúc")

    programme = models.ForeignKey(
        AuditProgramme, verbose_name=_("chương trình"), on_delete=models.PROTECT, related_name="plans"
    )
    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="audit_plans"
    )
    seq = models.PositiveSmallIntegerField(_("đợt"))
    title = models.CharField(_("tên cuộc đánh giá"), max_length=300)
    units = models.JSONField(_("đơn vị được đánh giá"), default=list)
    procedures = models.ManyToManyField(
        "procedures.AdminProcedure", verbose_name=_("thủ tục hành chính"), blank=True, related_name="+"
    )
    documents = models.ManyToManyField("documents.Document", verbose_name=_("quy trình"), blank=True, related_name="+")
    clauses = models.JSONField(_("điều khoản"), default=list)
    start_on = models.DateField(_("từ ngày"))
    end_on = models.DateField(_("đến ngày"))
    lead_auditor = models.ForeignKey(
        USER, verbose_name=_("trưởng đoàn đánh giá"), on_delete=models.PROTECT, related_name="+"
    )
    auditors = models.ManyToManyField(USER, verbose_name=_("chuyên gia đánh giá"), blank=True, related_name="+")
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.OPEN)
    conclusion = models.TextField(_("kết luận"), blank=True)
    closed_on = models.DateField(_("ngày kết thúc"), null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, verbose_name=_("người kết thúc"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("ngày lập"), auto_now_add=True)

    audit_labels = {"closed": _("kết thúc cuộc đánh giá"), "team": _("đoàn đánh giá")}

    class Meta:
        verbose_name = _("kế hoạch đánh giá nội bộ")
        verbose_name_plural = _("kế hoạch đánh giá nội bộ")
        ordering = ["agency_id", "-start_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["programme", "seq"], name="audit_plan_seq_unique")]
        indexes = [models.Index(fields=["agency", "status"])]
        permissions = [("close_auditplan", "Can close an audit"), ("conduct_auditplan", "Can answer the checklist")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"ĐGNB-{self.programme.year}/{self.seq:02d}"

    def get_absolute_url(self) -> str:
        return reverse("evaluation:plan_detail", args=[self.pk])

    def clause_labels(self) -> list[str]:
        return [clauses.label(code) for code in self.clauses]

    def team(self) -> list:
        """The lead auditor first, then the auditors."""
        others = [u for u in self.auditors.select_related("agency") if u.pk != self.lead_auditor_id]
        return [self.lead_auditor, *others]


class AuditSession(AuditedModel):
    """A line of the plan's schedule: who audits which unit on which day."""

    plan = models.ForeignKey(AuditPlan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="sessions")
    unit = models.CharField(_("đơn vị được đánh giá"), max_length=150)
    day = models.DateField(_("ngày"))
    auditor = models.ForeignKey(USER, verbose_name=_("chuyên gia đánh giá"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("lịch đánh giá")
        verbose_name_plural = _("lịch đánh giá")
        ordering = ["day", "unit", "id"]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.unit} — {self.auditor}"

    def audit_agency(self):
        return self.plan.agency


class Result(models.TextChoices):
    CONFORM = "conform", _("Phù hợp")
    NONCONFORM = "nonconform", _("Không phù hợp")
    OBSERVATION = "observation", _("Cần lưu ý")
    NOT_APPLICABLE = "na", _("Không áp dụng")


class ChecklistItem(AuditedModel):
    """A question of the plan's checklist (built from the clauses, tailored per plan) and the auditor's answer."""

    plan = models.ForeignKey(AuditPlan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    clause = models.CharField(_("điều khoản"), max_length=10)
    question = models.TextField(_("câu hỏi"))
    session = models.ForeignKey(
        AuditSession,
        verbose_name=_("đơn vị, ngày đánh giá"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
    )
    result = models.CharField(_("kết quả"), max_length=12, choices=Result.choices, blank=True)
    note = models.TextField(_("ghi chép của chuyên gia"), blank=True)
    answered_by = models.ForeignKey(
        USER, verbose_name=_("người trả lời"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("thời điểm trả lời"), null=True, blank=True)

    class Meta:
        verbose_name = _("câu hỏi đánh giá")
        verbose_name_plural = _("câu hỏi đánh giá")
        ordering = ["plan_id", "order", "id"]

    def __str__(self) -> str:
        return f"{self.clause} — {self.question[:80]}"

    def audit_agency(self):
        return self.plan.agency

    @property
    def clause_label(self) -> str:
        return clauses.label(self.clause)


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    """An unguessable name under evidence/: never the uploader's name, never a path outside the root."""
    ext = PurePosixPath(filename).suffix.lower()
    key = uuid.uuid4().hex
    return f"evidence/{key[:2]}/{key}{ext if ext in EVIDENCE_SUFFIXES else ''}"


EVIDENCE_SUFFIXES = (".pdf", ".docx", ".jpg", ".png")


class Evidence(AuditedModel):
    """What an answer rests on: a file, or a document, a record file or a dossier already in eISO."""

    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("câu hỏi"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("tệp"), upload_to=evidence_upload_to, blank=True, max_length=200)
    original_name = models.CharField(_("tên tệp"), max_length=255, blank=True)
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("tài liệu"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    record_type = models.ForeignKey(
        "documents.RecordType",
        verbose_name=_("hồ sơ ISO"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dossier = models.ForeignKey(
        "dossiers.Dossier",
        verbose_name=_("hồ sơ TTHC"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("mô tả"), max_length=500, blank=True)
    added_by = models.ForeignKey(USER, verbose_name=_("người thêm"), on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("thời điểm thêm"), auto_now_add=True)

    audit_exclude = ("file",)  # the stored name is random; the trail keeps the original name

    class Meta:
        verbose_name = _("bằng chứng đánh giá")
        verbose_name_plural = _("bằng chứng đánh giá")
        ordering = ["item_id", "id"]

    def __str__(self) -> str:
        target = self.original_name or self.document or self.record_type or (self.dossier and self.dossier.code)
        return _("Bằng chứng: %(what)s") % {"what": target or self.note}

    def audit_agency(self):
        return self.item.plan.agency


class Finding(AuditedModel):
    """A finding of the audit, with its clause; a nonconformity finding raises the register's nonconformity."""

    class Kind(models.TextChoices):
        NONCONFORMITY = "nc", _("Điểm không phù hợp")
        OBSERVATION = "observation", _("Điểm cần lưu ý")
        IMPROVEMENT = "ofi", _("Cơ hội cải tiến")

    plan = models.ForeignKey(AuditPlan, verbose_name=_("kế hoạch"), on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("loại phát hiện"), max_length=12, choices=Kind.choices)
    clause = models.CharField(_("điều khoản"), max_length=10)
    unit = models.CharField(_("đơn vị"), max_length=150, blank=True)
    description = models.TextField(_("nội dung phát hiện"))
    item = models.ForeignKey(
        ChecklistItem,
        verbose_name=_("câu hỏi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="findings",
    )
    nonconformity = models.OneToOneField(
        "improvement.Nonconformity",
        verbose_name=_("phiếu sự không phù hợp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_finding",
    )
    created_by = models.ForeignKey(USER, verbose_name=_("người ghi nhận"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("thời điểm ghi nhận"), auto_now_add=True)

    class Meta:
        verbose_name = _("phát hiện đánh giá")
        verbose_name_plural = _("phát hiện đánh giá")
        ordering = ["plan_id", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.clause}): {self.description[:80]}"

    def audit_agency(self):
        return self.plan.agency

    def get_absolute_url(self) -> str:
        return reverse("evaluation:plan_detail", args=[self.plan_id]) + f"#finding-{self.pk}"

    @property
    def clause_label(self) -> str:
        return clauses.label(self.clause)


class AuditReport(AuditedModel):
    """The audit report, a revision at a time: a draft shows the audit as it stands; signing freezes what it says
    (`content`) and the next change is a new revision."""

    plan = models.ForeignKey(AuditPlan, verbose_name=_("kế hoạch"), on_delete=models.PROTECT, related_name="reports")
    revision = models.PositiveSmallIntegerField(_("lần ban hành"))
    number = models.CharField(_("số báo cáo"), max_length=60)
    summary = models.TextField(_("tóm tắt, đánh giá chung"))
    recommendations = models.TextField(_("kiến nghị"), blank=True)
    content = models.JSONField(_("nội dung đã ký"), null=True, blank=True, editable=False)
    prepared_by = models.ForeignKey(USER, verbose_name=_("người lập"), on_delete=models.PROTECT, related_name="+")
    edited_by = models.ForeignKey(
        USER, verbose_name=_("người sửa sau cùng"), on_delete=models.PROTECT, related_name="+"
    )
    signed_by = models.ForeignKey(
        USER, verbose_name=_("người ký"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("thời điểm ký"), null=True, blank=True)

    audit_exclude = ("content",)

    class Meta:
        verbose_name = _("báo cáo đánh giá nội bộ")
        verbose_name_plural = _("báo cáo đánh giá nội bộ")
        ordering = ["plan_id", "-revision"]
        constraints = [models.UniqueConstraint(fields=["plan", "revision"], name="audit_report_revision_unique")]
        permissions = [("sign_auditreport", "Can sign an audit report")]

    def __str__(self) -> str:
        return _("Báo cáo %(number)s (lần %(rev)s)") % {"number": self.number, "rev": self.revision}

    def audit_agency(self):
        return self.plan.agency

    def get_absolute_url(self) -> str:
        return reverse("evaluation:report_detail", args=[self.pk])

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


# -- management review (§9.3) ---------------------------------------------------------------------------------------
class ManagementReview(AuditedModel):
    """A management review meeting over a period: its inputs compiled from the records of the period (kept as they
    were when the minutes were signed), the meeting's conclusion, its decisions and actions."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Đang chuẩn bị")
        CLOSED = "closed", _("Đã ký biên bản")

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="management_reviews"
    )
    number = models.CharField(_("số biên bản"), max_length=60)
    period_start = models.DateField(_("kỳ xem xét từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    meeting_on = models.DateField(_("ngày họp"))
    location = models.CharField(_("địa điểm"), max_length=255, blank=True)
    chair = models.ForeignKey(USER, verbose_name=_("chủ trì"), on_delete=models.PROTECT, related_name="+")
    participants = models.TextField(_("thành phần tham dự"))
    inputs = models.JSONField(_("đầu vào"), default=dict, blank=True, editable=False)
    inputs_at = models.DateTimeField(_("đầu vào tổng hợp lúc"), null=True, blank=True)
    conclusion = models.TextField(_("kết luận về sự phù hợp, thỏa đáng, hiệu lực của HTQLCL"), blank=True)
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    closed_by = models.ForeignKey(
        USER, verbose_name=_("người ký"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("thời điểm ký"), null=True, blank=True)
    created_by = models.ForeignKey(USER, verbose_name=_("người lập"), on_delete=models.PROTECT, related_name="+")
    content = models.JSONField(_("biên bản đã ký"), null=True, blank=True, editable=False)

    audit_exclude = ("inputs", "content")
    audit_labels = {"compiled": _("tổng hợp đầu vào")}

    class Meta:
        verbose_name = _("xem xét của lãnh đạo")
        verbose_name_plural = _("xem xét của lãnh đạo")
        ordering = ["agency_id", "-period_end", "-id"]
        permissions = [("close_managementreview", "Can sign the minutes of a management review")]

    def __str__(self) -> str:
        return _("Xem xét của lãnh đạo %(start)s – %(end)s") % {
            "start": self.period_start.strftime("%d/%m/%Y"),
            "end": self.period_end.strftime("%d/%m/%Y"),
        }

    def get_absolute_url(self) -> str:
        return reverse("evaluation:review_detail", args=[self.pk])


class ReviewDecision(AuditedModel):
    """A decision or action of the review (§9.3.3), with its owner and due date; its follow-up is an input of the
    next review."""

    class Kind(models.TextChoices):
        IMPROVEMENT = "improvement", _("Cơ hội cải tiến")
        CHANGE = "change", _("Thay đổi HTQLCL")
        RESOURCE = "resource", _("Nhu cầu nguồn lực")

    review = models.ForeignKey(
        ManagementReview, verbose_name=_("cuộc họp"), on_delete=models.CASCADE, related_name="decisions"
    )
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices)
    description = models.TextField(_("quyết định, hành động"))
    owner = models.ForeignKey(USER, verbose_name=_("người thực hiện"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("hạn hoàn thành"))
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    done_note = models.TextField(_("kết quả thực hiện"), blank=True)

    class Meta:
        verbose_name = _("quyết định của lãnh đạo")
        verbose_name_plural = _("quyết định của lãnh đạo")
        ordering = ["review_id", "due_on", "id"]

    def __str__(self) -> str:
        return self.description[:80]

    def audit_agency(self):
        return self.review.agency
