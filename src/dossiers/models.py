"""Dossiers of administrative procedures and their hand-over events (one-stop shop).

Events are high-volume records: append-only and idempotent (unique per dossier and external event
id), inserted in bulk, never audited row by row. Controlled records (apology letters, integration
tokens) are audited.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedModel
from core.models import AppendOnlyModel


class DossierStatus(models.TextChoices):
    PROCESSING = "processing", _("Đang giải quyết")
    PAUSED = "paused", _("Chờ bổ sung hồ sơ")
    RETURNED = "returned", _("Đã trả kết quả")
    REFUSED = "refused", _("Từ chối giải quyết")


class DossierQuerySet(models.QuerySet):
    def open(self):
        """Dossiers still being processed or paused: not completed (returned or refused). Written as
        `completed_at IS NULL`, the condition of the partial indexes below, so that SQLite uses them too (it
        matches a partial index only on the same term, not on `status IN (?, ?)`)."""
        return self.filter(completed_at__isnull=True)


class Dossier(models.Model):
    """A dossier (hồ sơ TTHC) received at the one-stop shop of an agency."""

    # agency and holder have no index of their own: (agency, code) and (holder, due_at) start with them.
    # Procedure and field have none of their own either: the list's indexes (field | procedure, received_at, id)
    # start with them, the figures by procedure and field come from the summaries. Each index is one B-tree more
    # to write per imported dossier: bench/README.md ("Lists") measures what these cost the import.
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name=_("cơ quan"),
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,
    )
    procedure = models.ForeignKey(
        "procedures.AdminProcedure",
        verbose_name=_("thủ tục"),
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,
    )
    field = models.ForeignKey(
        "procedures.Field",
        verbose_name=_("lĩnh vực"),
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,
    )
    code = models.CharField(_("mã hồ sơ"), max_length=60)
    applicant_name = models.CharField(_("người nộp"), max_length=255)
    applicant_address = models.CharField(_("địa chỉ người nộp"), max_length=255, blank=True)
    # core.text.search_key of the applicant's name: "nguyen van an" finds "Nguyễn Văn An". Written by the event
    # engine (and the demo); db_default so that set-based inserts which leave it out stay valid.
    applicant_key = models.CharField(max_length=255, blank=True, editable=False, db_default="")
    received_at = models.DateTimeField(_("ngày tiếp nhận"))
    due_at = models.DateTimeField(_("ngày hẹn trả"))
    processing_days = models.DecimalField(_("thời hạn (ngày làm việc)"), max_digits=6, decimal_places=1)
    status = models.CharField(
        _("tình trạng"), max_length=20, choices=DossierStatus.choices, default=DossierStatus.PROCESSING
    )
    completed_at = models.DateTimeField(_("ngày trả kết quả"), null=True, blank=True)
    is_late = models.BooleanField(_("trễ hạn"), null=True, blank=True)
    # Current position: the step the dossier is in and who holds it.
    current_step = models.CharField(_("bước hiện tại"), max_length=30, blank=True)
    step_started_at = models.DateTimeField(null=True, blank=True)
    step_due_at = models.DateTimeField(_("hạn bước hiện tại"), null=True, blank=True)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đang giữ"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="held_dossiers",
        db_index=False,
    )
    holder_name = models.CharField(_("người đang giữ"), max_length=150, blank=True)
    holder_unit = models.CharField(_("đơn vị đang giữ"), max_length=255, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(_("tạm dừng lúc"), null=True, blank=True)
    # Where the delay happened first (counted by month in LateStepStat for the bottleneck analytics).
    late_step = models.CharField(_("bước trễ hạn"), max_length=30, blank=True)
    late_unit = models.CharField(_("đơn vị trễ hạn"), max_length=255, blank=True)
    apology_due_at = models.DateTimeField(_("ngày hẹn lại"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="dossier_code_unique_in_agency")]
        indexes = [
            # Due dates matter for open dossiers only (overdue lists, early warnings): the index holds those,
            # a few percent of the table, and a dossier returned within an import batch never enters it.
            models.Index(fields=["agency", "due_at"], name="dossier_open_due", condition=models.Q(completed_at=None)),
            # The list's order, newest first, after none or one of its common filters (keyset pagination: the
            # page after a cursor is a seek in one of these). The agency last: a province-wide list checks its
            # scope, and counts its rows up to the cap, in the index alone. The search's trigram index is in
            # dossiers/search_index.py.
            models.Index(fields=["received_at", "id", "agency"], name="dossier_received"),
            models.Index(fields=["agency", "received_at", "id"], name="dossier_agency_received"),
            models.Index(fields=["field", "received_at", "id", "agency"], name="dossier_field_received"),
            models.Index(fields=["status", "received_at", "id", "agency"], name="dossier_status_received"),
            models.Index(fields=["procedure", "received_at", "id", "agency"], name="dossier_procedure_received"),
            # A dossier has a holder while it is open: "held by me", ordered by due date.
            models.Index(
                fields=["holder", "due_at"], name="dossier_held_due", condition=models.Q(holder__isnull=False)
            ),
            # Late dossiers only (rebuilding LateStepStat reads them): a small partial index covers them.
            models.Index(
                fields=["agency", "late_step", "late_unit"],
                name="dossier_late_where",
                condition=~models.Q(late_step=""),
            ),
        ]
        permissions = [("view_analytics", "Can view dossier analytics")]

    def __str__(self):
        return self.code

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("dossiers:detail", args=[self.pk])

    # The facts of a web event in the audit trail (services.web_event), as an official reads them.
    audit_labels = {"event": _("thao tác"), "step": _("chuyển đến bước"), "on_behalf_of": _("thay mặt người giữ")}

    @classmethod
    def audit_value(cls, entry, name, value):
        if name == "event" and value in EventKind.values:
            return EventKind(value).label
        if name == "step":
            from procedures.models import ProcessStep

            dossier = cls.objects.filter(pk=entry.object_id).values("procedure_id", "agency_id").first()
            step = (
                dossier
                and ProcessStep.objects.filter(
                    process__procedure_id=dossier["procedure_id"], process__agency_id=dossier["agency_id"], code=value
                ).first()
            )
            return str(step) if step else value
        return value

    @property
    def is_open(self):
        return self.status in (DossierStatus.PROCESSING, DossierStatus.PAUSED)


class EventKind(models.TextChoices):
    RECEIVE = "receive", _("Tiếp nhận")
    TRANSFER = "transfer", _("Chuyển xử lý")
    SUPPLEMENT_REQUEST = "supplement_request", _("Yêu cầu bổ sung")
    SUPPLEMENT_RECEIVED = "supplement_received", _("Nhận hồ sơ bổ sung")
    RETURN = "return", _("Trả kết quả")
    REFUSE = "refuse", _("Từ chối")


class DossierEvent(AppendOnlyModel):
    """A hand-over of a dossier from one person/unit to the next (one line of the control sheet).

    `step` is the step the dossier enters; `completed_step` the step this hand-over ends, with its
    due time and whether it ended late.
    """

    class Source(models.TextChoices):
        WEB = "web", _("Giao diện")
        API = "api", _("API")
        IMPORT = "import", _("Nhập tệp")
        DEMO = "demo", _("Dữ liệu mẫu")

    # No index of its own: the unique (dossier, external_id) key starts with dossier_id and serves its look-ups.
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="events", db_index=False)
    external_id = models.CharField(_("mã sự kiện"), max_length=80)
    kind = models.CharField(_("loại"), max_length=20, choices=EventKind.choices)
    occurred_at = models.DateTimeField(_("thời điểm"))
    step = models.CharField(_("bước chuyển đến"), max_length=30, blank=True)
    from_name = models.CharField(_("người giao"), max_length=150, blank=True)
    from_unit = models.CharField(_("đơn vị giao"), max_length=255, blank=True)
    to_name = models.CharField(_("người nhận"), max_length=150, blank=True)
    to_unit = models.CharField(_("đơn vị nhận"), max_length=255, blank=True)
    completed_step = models.CharField(_("bước hoàn thành"), max_length=30, blank=True)
    completed_step_due_at = models.DateTimeField(_("hạn của bước"), null=True, blank=True)
    is_late = models.BooleanField(_("trễ hạn"), null=True, blank=True)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    # Set when the agency head or the ISO secretary acted for an absent holder: that holder's name (from_name is
    # the one who acted).
    on_behalf_of = models.CharField(_("thay mặt người giữ"), max_length=150, blank=True, db_default="")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sự kiện hồ sơ")
        verbose_name_plural = _("sự kiện hồ sơ")
        ordering = ["dossier", "occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["dossier", "external_id"], name="dossier_event_unique")]

    def __str__(self):
        return f"{self.dossier_id}:{self.external_id}"


class MonthlyStat(models.Model):
    """Pre-aggregated counts per agency, procedure and month, kept in step with every event.

    `received` counts by month of receipt; `completed`/`on_time`/`late` by month of return;
    `refused` by month of refusal. `services.rebuild_monthly_stats` recomputes from dossiers.
    """

    agency = models.ForeignKey("organizations.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey("procedures.AdminProcedure", on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey("procedures.Field", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    received = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    late = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "procedure", "month"], name="monthly_stat_unique")]
        indexes = [models.Index(fields=["month", "agency"], name="monthly_stat_month_agency")]

    def __str__(self):
        return f"{self.agency_id}/{self.procedure_id} {self.month:%m/%Y}"


class LateStepStat(models.Model):
    """Pre-aggregated bottlenecks: late dossiers per agency, field, month, and the step and unit where the
    delay happened first (`Dossier.late_step`, `late_unit`), kept in step with every event like MonthlyStat.

    `month` is the month the delay happened: the local month of the event that set `late_step`, i.e. the
    hand-over that ended the dossier's first late step or, when every step was on time, the return of a
    dossier late overall (past its appointment, or after an apology letter). Each late dossier is counted once.
    Not per procedure: the analytics ask "where", and a key with the procedure would make the summary almost as
    large as the late dossiers themselves. `services.rebuild_late_stats` recomputes it from the dossiers and
    their events.
    """

    agency = models.ForeignKey("organizations.Agency", on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey("procedures.Field", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    late_step = models.CharField(max_length=30)
    late_unit = models.CharField(max_length=255, blank=True)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "field", "month", "late_step", "late_unit"], name="late_step_stat_unique"
            )
        ]
        indexes = [models.Index(fields=["month", "agency"], name="late_step_stat_month_agency")]

    def __str__(self):
        return f"{self.agency_id} {self.month:%m/%Y} {self.late_step}: {self.count}"


class DossierWarning(models.Model):
    """An in-app warning to the person who holds a dossier that is about to be, or is, late."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Sắp đến hạn")
        LATE = "late", _("Đã quá hạn")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="warnings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="dossier_warnings"
    )
    kind = models.CharField(_("loại"), max_length=10, choices=Kind.choices)
    due_at = models.DateTimeField(_("hạn"))
    message = models.CharField(_("nội dung"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("cảnh báo hồ sơ")
        verbose_name_plural = _("cảnh báo hồ sơ")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["dossier", "kind", "due_at"], name="dossier_warning_once")]

    def __str__(self):
        return self.message

    def audit_agency(self):
        return self.dossier.agency


class ApologyLetter(AuditedModel):
    """Phiếu xin lỗi và hẹn lại ngày trả kết quả (Circular 01/2018/TT-VPCP) for a late dossier."""

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="apologies")
    agency = models.ForeignKey("organizations.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    number = models.CharField(_("số phiếu"), max_length=50)
    issued_at = models.DateTimeField(_("ngày lập"))
    reason = models.TextField(_("lý do chậm trễ"))
    new_due_at = models.DateTimeField(_("ngày hẹn trả mới"))
    signer_name = models.CharField(_("người ký"), max_length=150)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=150, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("phiếu xin lỗi")
        verbose_name_plural = _("phiếu xin lỗi")
        ordering = ["-issued_at"]
        constraints = [models.UniqueConstraint(fields=["agency", "year", "seq"], name="apology_number_unique")]

    def __str__(self):
        return self.number


def hash_token(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


class IntegrationToken(AuditedModel):
    """A secret for the one-stop-shop software of one agency; only its hash is stored."""

    audit_exclude = ("search_key", "sort_key", "secret_hash", "last_used_at")

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="integration_tokens"
    )
    name = models.CharField(_("tên hệ thống"), max_length=150)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("khóa tích hợp")
        verbose_name_plural = _("khóa tích hợp")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, agency, name, user=None):
        """Create a token; returns (token, raw_key). The raw key is shown once and never stored."""
        prefix = secrets.token_hex(4)
        raw = f"{prefix}.{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            agency=agency, name=name, prefix=prefix, secret_hash=hash_token(raw), created_by=user
        )
        return token, raw


class ImportJob(models.Model):
    """A bulk import of an export file of the one-stop-shop software, run as a background task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang nhập")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    file = models.FileField(upload_to="dossier-imports/%Y/%m/")
    filename = models.CharField(_("tệp"), max_length=255)
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField(default=0.0)
    rows_read = models.PositiveIntegerField(_("số dòng đã đọc"), default=0)
    rows_stored = models.PositiveIntegerField(_("số sự kiện đã lưu"), default=0)
    rows_duplicate = models.PositiveIntegerField(_("số dòng trùng"), default=0)
    rows_error = models.PositiveIntegerField(_("số dòng lỗi"), default=0)
    message = models.TextField(blank=True)
    # The file's SHA-256: the same file uploaded again for the agency is recognised (services.create_import_job).
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Progress committed with each batch, in the batch's transaction: the file's row number of the batch's last row
    # (every row up to it has been stored, counted as a duplicate or reported), and when the run last reported.
    # A run that stopped (worker killed, database lost) resumes after `last_row` (services.recover_stale_imports).
    last_row = models.PositiveIntegerField(_("dòng cuối đã nhập"), default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("số lần chạy"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lượt nhập hồ sơ")
        verbose_name_plural = _("lượt nhập hồ sơ")
        ordering = ["-created_at"]
        constraints = [
            # One unfinished job per file and agency: a double-click on "upload" cannot start the same file twice.
            models.UniqueConstraint(
                fields=["agency", "content_hash"],
                condition=models.Q(status__in=["pending", "running"]) & ~models.Q(content_hash=""),
                name="dossiers_import_one_active_per_file",
            )
        ]

    def __str__(self):
        return self.filename

    audit_labels = {"rows": _("số dòng đã đọc"), "stored": _("số sự kiện đã lưu"), "errors": _("số dòng lỗi")}

    @property
    def percent(self):
        return 100 if self.status == self.Status.DONE else int(self.progress * 100)

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ImportRowError(models.Model):
    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(_("dòng"))
    reason = models.CharField(_("lý do"), max_length=500)
    data = models.TextField(_("nội dung dòng"), blank=True)

    class Meta:
        ordering = ["job", "row_number", "id"]

    def __str__(self):
        return _("Dòng %(n)s: %(reason)s") % {"n": self.row_number, "reason": self.reason}
