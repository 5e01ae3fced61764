from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedModel
from core.text import search_key, sort_key


class Field(models.Model):
    """A field of administrative procedures (lĩnh vực): đất đai, xây dựng, hộ tịch..."""

    code = models.CharField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên lĩnh vực"), max_length=255)
    sort_key = models.CharField(max_length=600, editable=False, db_index=True)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["sort_key"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.sort_key = sort_key(self.name)
        super().save(*args, **kwargs)


class AdminProcedure(AuditedModel):
    """An administrative procedure (TTHC) of the published catalog (bộ TTHC đã công bố)."""

    class Level(models.TextChoices):
        PROVINCIAL = "provincial", _("Cấp tỉnh")
        DISTRICT = "district", _("Cấp huyện")
        COMMUNE = "commune", _("Cấp xã")
        CENTRAL = "central", _("Cấp trung ương")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang áp dụng")
        AMENDED = "amended", _("Đã sửa đổi, bổ sung")
        ANNULLED = "annulled", _("Đã bãi bỏ")

    province = models.ForeignKey(
        "organizations.Province", verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="procedures"
    )
    code = models.CharField(_("mã thủ tục"), max_length=50)
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.ForeignKey(Field, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures")
    level = models.CharField(_("cấp thực hiện"), max_length=20, choices=Level.choices)
    processing_days = models.DecimalField(
        _("thời hạn giải quyết (ngày làm việc)"),
        max_digits=6,
        decimal_places=1,
        help_text=_("Theo quyết định công bố; cho phép nửa ngày (0,5)."),
    )
    fees = models.CharField(_("phí, lệ phí"), max_length=500, blank=True)
    legal_basis = models.TextField(_("căn cứ pháp lý"), blank=True)
    agencies = models.ManyToManyField(
        "organizations.Agency", verbose_name=_("cơ quan thực hiện"), related_name="procedures", blank=True
    )
    status = models.CharField(_("tình trạng"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_note = models.CharField(_("ghi chú thay đổi"), max_length=500, blank=True)
    search_key = models.CharField(max_length=600, editable=False, db_index=True)
    sort_key = models.CharField(max_length=1200, editable=False)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["province", "code"], name="procedure_code_unique_in_province")]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        self.search_key = search_key(f"{self.code} {self.name}")
        self.sort_key = sort_key(self.name)
        super().save(*args, **kwargs)

    def audit_agency(self):
        # Catalog entries belong to the province; audit them on the province's chain.
        return None

    @property
    def audit_province_id(self):
        return self.province_id


class ProcessQuerySet(models.QuerySet):
    def of(self, agency, procedure):
        """The agency's process for the procedure (ids or objects), its steps fetched in order; None if the agency
        has none. The one look-up of "how this agency handles this procedure"."""
        return (
            self.filter(agency=agency, procedure=procedure)
            .select_related("procedure")
            .prefetch_related("steps")
            .first()
        )


class ProcessDefinition(AuditedModel):
    """How one agency handles one procedure: its steps, each with a unit/role and a time allotment.

    The allotments add up to the procedure's statutory processing time (checked by the service).
    """

    procedure = models.ForeignKey(
        AdminProcedure, verbose_name=_("thủ tục hành chính"), on_delete=models.PROTECT, related_name="processes"
    )
    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="processes"
    )
    total_days = models.DecimalField(_("tổng thời gian (ngày làm việc)"), max_digits=6, decimal_places=1, default=0)
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    objects = ProcessQuerySet.as_manager()

    class Meta:
        verbose_name = _("quy trình giải quyết")
        verbose_name_plural = _("quy trình giải quyết")
        constraints = [models.UniqueConstraint(fields=["procedure", "agency"], name="process_unique_per_agency")]

    def __str__(self):
        return f"{self.procedure.code} — {self.agency}"


class ProcessStep(AuditedModel):
    """One step of a process: receive at the one-stop shop, transfer, expert review, approval, return."""

    process = models.ForeignKey(ProcessDefinition, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    code = models.SlugField(_("mã bước"), max_length=30)
    name = models.CharField(_("tên bước"), max_length=255)
    responsible_unit = models.CharField(_("đơn vị thực hiện"), max_length=255)
    responsible_role = models.CharField(_("người/chức danh thực hiện"), max_length=255, blank=True)
    days = models.DecimalField(_("thời gian (ngày làm việc)"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("bước xử lý")
        verbose_name_plural = _("bước xử lý")
        ordering = ["process", "order"]
        constraints = [models.UniqueConstraint(fields=["process", "code"], name="process_step_code_unique")]

    def __str__(self):
        return f"{self.order}. {self.name}"

    def audit_agency(self):
        return self.process.agency
