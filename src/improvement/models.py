"""Maintaining and improving the QMS (TCVN ISO 9001:2015 §6.1, §6.2, §9.1.2, §10.2): quality objectives and their
measurements, risks and opportunities, nonconformities and corrective actions (with the proposals eISO makes from
late dossiers), and citizens' satisfaction answers."""

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedModel

USER = settings.AUTH_USER_MODEL


# -- quality objectives (§6.2) --------------------------------------------------------------------------------------
class Measure(models.TextChoices):
    """How an objective is measured: by hand, or computed from eISO's records (never typed in)."""

    MANUAL = "manual", _("Nhập tay")
    DOSSIERS_ON_TIME = "dossiers_on_time", _("Tỷ lệ hồ sơ giải quyết đúng hạn")
    DOCUMENTS_REVIEWED = "documents_reviewed", _("Tỷ lệ tài liệu được xem xét đúng hạn")
    SATISFACTION = "satisfaction", _("Tỷ lệ người dân, doanh nghiệp hài lòng")
    ACTIONS_ON_TIME = "actions_on_time", _("Tỷ lệ hành động khắc phục hoàn thành đúng hạn")


class Unit(models.TextChoices):
    PERCENT = "percent", "%"
    COUNT = "count", _("số lượng")
    DAYS = "days", _("ngày")
    HOURS = "hours", _("giờ")


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Hằng tháng")
    QUARTERLY = "quarterly", _("Hằng quý")
    YEARLY = "yearly", _("Hằng năm")


class Direction(models.TextChoices):
    AT_LEAST = "ge", "≥"
    AT_MOST = "le", "≤"


class Objective(AuditedModel):
    """A measurable quality objective of an agency for a year, with its plan (what, resources, who, when)."""

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="objectives"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    title = models.CharField(_("mục tiêu"), max_length=500)
    measure = models.CharField(_("cách đo"), max_length=30, choices=Measure.choices, default=Measure.MANUAL)
    field = models.ForeignKey(
        "procedures.Field",
        verbose_name=_("lĩnh vực"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Chỉ tính hồ sơ của lĩnh vực này (để trống: cả cơ quan)."),
    )
    procedure = models.ForeignKey(
        "procedures.AdminProcedure",
        verbose_name=_("thủ tục hành chính"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Chỉ tính hồ sơ của thủ tục này."),
    )
    direction = models.CharField(_("chiều đạt"), max_length=2, choices=Direction.choices, default=Direction.AT_LEAST)
    target = models.DecimalField(_("chỉ tiêu"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("đơn vị tính"), max_length=10, choices=Unit.choices, default=Unit.PERCENT)
    frequency = models.CharField(_("tần suất đo"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    owner = models.ForeignKey(
        USER, verbose_name=_("người chịu trách nhiệm"), on_delete=models.PROTECT, related_name="+"
    )
    plan_actions = models.TextField(_("kế hoạch: việc cần làm"), blank=True)
    plan_resources = models.TextField(_("kế hoạch: nguồn lực"), blank=True)
    plan_responsible = models.CharField(_("kế hoạch: người, đơn vị thực hiện"), max_length=255, blank=True)
    plan_due = models.DateField(_("kế hoạch: thời hạn hoàn thành"), null=True, blank=True)
    created_at = models.DateTimeField(_("ngày tạo"), auto_now_add=True)

    class Meta:
        verbose_name = _("mục tiêu chất lượng")
        verbose_name_plural = _("mục tiêu chất lượng")
        ordering = ["agency_id", "-year", "id"]
        indexes = [models.Index(fields=["agency", "year"])]
        permissions = [("measure_objective", "Can enter or recompute an objective's measurements")]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    def get_absolute_url(self) -> str:
        return reverse("improvement:objective_detail", args=[self.pk])

    @property
    def unit_suffix(self) -> str:
        """The unit after a value: "95 %", "5 ngày", a count bare ("20")."""
        return "" if self.unit == Unit.COUNT else self.get_unit_display()

    @property
    def automatic(self) -> bool:
        return self.measure != Measure.MANUAL

    def meets(self, value: object) -> bool | None:
        if value is None:
            return None
        return value >= self.target if self.direction == Direction.AT_LEAST else value <= self.target


class Measurement(AuditedModel):
    """An objective's value for one period (a month, a quarter or the year). Automatic objectives' values are computed
    from the records (`source` = computed) as of `as_of`; manual ones are entered by a person."""

    class Source(models.TextChoices):
        COMPUTED = "computed", _("Tính từ dữ liệu")
        MANUAL = "manual", _("Nhập tay")

    objective = models.ForeignKey(
        Objective, verbose_name=_("mục tiêu"), on_delete=models.CASCADE, related_name="measurements"
    )
    period_start = models.DateField(_("từ ngày"))
    period_end = models.DateField(_("đến ngày"))
    value = models.DecimalField(_("kết quả"), max_digits=12, decimal_places=2, null=True, blank=True)
    # What the value was computed from (e.g. "412/430 hồ sơ đúng hạn"), for whoever checks it.
    basis = models.CharField(_("căn cứ"), max_length=255, blank=True)
    source = models.CharField(_("nguồn"), max_length=10, choices=Source.choices)
    as_of = models.DateField(_("số liệu tính đến ngày"))
    entered_by = models.ForeignKey(
        USER, verbose_name=_("người nhập"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    def audit_agency(self) -> object:
        return self.objective.agency

    class Meta:
        verbose_name = _("kết quả đo mục tiêu")
        verbose_name_plural = _("kết quả đo mục tiêu")
        ordering = ["objective_id", "period_start"]
        constraints = [models.UniqueConstraint(fields=["objective", "period_start"], name="measurement_one_per_period")]

    def __str__(self) -> str:
        return f"{self.objective.title}: {self.period_start:%d/%m/%Y}–{self.period_end:%d/%m/%Y}"

    @property
    def on_target(self) -> bool | None:
        return self.objective.meets(self.value)


# -- risks and opportunities (§6.1) ---------------------------------------------------------------------------------
class RiskLevel(AuditedModel):
    """A level of the risk matrix of a province: a score (likelihood × impact) from `min_score` up is this level.
    Levels are data: the oversight body adjusts them; `acceptable` levels need no treatment."""

    class Colour(models.TextChoices):
        GREEN = "success", _("Xanh")
        YELLOW = "warning", _("Vàng")
        ORANGE = "orange", _("Cam")
        RED = "danger", _("Đỏ")

    province = models.ForeignKey(
        "organizations.Province", verbose_name=_("tỉnh"), on_delete=models.CASCADE, related_name="risk_levels"
    )
    name = models.CharField(_("mức"), max_length=50)
    min_score = models.PositiveSmallIntegerField(_("từ điểm"))
    colour = models.CharField(_("màu"), max_length=10, choices=Colour.choices)
    acceptable = models.BooleanField(_("chấp nhận được"), default=False)

    @property
    def audit_province_id(self) -> int:
        return self.province_id

    class Meta:
        verbose_name = _("mức rủi ro")
        verbose_name_plural = _("mức rủi ro")
        ordering = ["province_id", "min_score"]
        constraints = [models.UniqueConstraint(fields=["province", "min_score"], name="risk_level_unique_score")]

    def __str__(self) -> str:
        return self.name


class Risk(AuditedModel):
    """A risk or an opportunity of one of the agency's processes (a procedure document, an administrative
    procedure), rated likelihood × impact on the matrix's scale."""

    class Kind(models.TextChoices):
        RISK = "risk", _("Rủi ro")
        OPPORTUNITY = "opportunity", _("Cơ hội")

    class Status(models.TextChoices):
        OPEN = "open", _("Đang theo dõi")
        CLOSED = "closed", _("Đã đóng")

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="risks"
    )
    kind = models.CharField(_("loại"), max_length=12, choices=Kind.choices, default=Kind.RISK)
    process = models.CharField(_("quá trình"), max_length=255)
    document = models.ForeignKey(
        "documents.Document",
        verbose_name=_("quy trình (tài liệu)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    procedure = models.ForeignKey(
        "procedures.AdminProcedure",
        verbose_name=_("thủ tục hành chính"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("mô tả"))
    cause = models.TextField(_("nguyên nhân"), blank=True)
    consequence = models.TextField(_("hậu quả, tác động"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("khả năng xảy ra"), validators=[MinValueValidator(1)])
    impact = models.PositiveSmallIntegerField(_("mức độ ảnh hưởng"), validators=[MinValueValidator(1)])
    owner = models.ForeignKey(USER, verbose_name=_("người theo dõi"), on_delete=models.PROTECT, related_name="+")
    review_on = models.DateField(_("ngày xem xét lại"))
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.OPEN)
    identified_on = models.DateField(_("ngày nhận diện"), default=timezone.localdate)

    class Meta:
        verbose_name = _("rủi ro, cơ hội")
        verbose_name_plural = _("rủi ro, cơ hội")
        ordering = ["agency_id", "-id"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:risk_detail", args=[self.pk])

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


class RiskAction(AuditedModel):
    """A treatment action of a risk (or an action to take an opportunity)."""

    risk = models.ForeignKey(Risk, verbose_name=_("rủi ro, cơ hội"), on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("biện pháp xử lý"))
    owner = models.ForeignKey(USER, verbose_name=_("người thực hiện"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("hạn hoàn thành"))
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)

    def audit_agency(self) -> object:
        return self.risk.agency

    class Meta:
        verbose_name = _("biện pháp xử lý rủi ro")
        verbose_name_plural = _("biện pháp xử lý rủi ro")
        ordering = ["risk_id", "due_on", "id"]

    def __str__(self) -> str:
        return self.description[:80]


# -- nonconformities and corrective actions (§10.2) -----------------------------------------------------------------
class Source(models.TextChoices):
    MANUAL = "manual", _("Phát hiện trong công việc")
    LATE_DOSSIERS = "late_dossiers", _("Hồ sơ trễ hạn")
    OBJECTIVE = "objective", _("Mục tiêu chất lượng không đạt")
    FEEDBACK = "feedback", _("Phản ánh của người dân, doanh nghiệp")
    AUDIT = "audit", _("Đánh giá nội bộ")


class Nonconformity(AuditedModel):
    """A nonconformity (sự không phù hợp), numbered per agency and year, with where it came from, its containment,
    its root cause (five whys) and its corrective actions; closed once every action is verified effective."""

    class Status(models.TextChoices):
        OPEN = "open", _("Đang xử lý")
        CLOSED = "closed", _("Đã đóng")

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="nonconformities"
    )
    year = models.PositiveSmallIntegerField(_("năm"))
    seq = models.PositiveIntegerField(_("số thứ tự"))
    title = models.CharField(_("nội dung không phù hợp"), max_length=500)
    description = models.TextField(_("mô tả chi tiết"), blank=True)
    source = models.CharField(_("nguồn phát hiện"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    objective = models.ForeignKey(
        Objective, verbose_name=_("mục tiêu"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    feedback = models.ForeignKey(
        "SurveyResponse",
        verbose_name=_("phiếu khảo sát"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_on = models.DateField(_("ngày phát hiện"))
    raised_by = models.ForeignKey(USER, verbose_name=_("người phát hiện"), on_delete=models.PROTECT, related_name="+")
    containment = models.TextField(_("khắc phục tức thời"), blank=True)
    whys = models.JSONField(_("phân tích 5 tại sao"), default=list, blank=True)
    root_cause = models.TextField(_("nguyên nhân gốc"), blank=True)
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(_("ngày đóng"), null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, verbose_name=_("người đóng"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("sự không phù hợp")
        verbose_name_plural = _("sự không phù hợp")
        ordering = ["agency_id", "-year", "-seq"]
        constraints = [models.UniqueConstraint(fields=["agency", "year", "seq"], name="nonconformity_number_unique")]
        indexes = [models.Index(fields=["agency", "status"])]
        permissions = [("close_nonconformity", "Can close a nonconformity")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def number(self) -> str:
        return f"KPH-{self.year}/{self.seq:03d}"

    def get_absolute_url(self) -> str:
        return reverse("improvement:nc_detail", args=[self.pk])


class CorrectiveAction(AuditedModel):
    """An action against a nonconformity's cause, done by its owner and verified (effective or not) by someone else."""

    nonconformity = models.ForeignKey(
        Nonconformity, verbose_name=_("sự không phù hợp"), on_delete=models.CASCADE, related_name="actions"
    )
    description = models.TextField(_("hành động khắc phục"))
    owner = models.ForeignKey(USER, verbose_name=_("người thực hiện"), on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("hạn hoàn thành"))
    done_on = models.DateField(_("ngày hoàn thành"), null=True, blank=True)
    done_note = models.TextField(_("kết quả thực hiện"), blank=True)
    verified_by = models.ForeignKey(
        USER,
        verbose_name=_("người kiểm tra hiệu lực"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_on = models.DateField(_("ngày kiểm tra hiệu lực"), null=True, blank=True)
    effective = models.BooleanField(_("có hiệu lực"), null=True, blank=True)
    verification_note = models.TextField(_("nhận xét kiểm tra"), blank=True)

    def audit_agency(self) -> object:
        return self.nonconformity.agency

    class Meta:
        verbose_name = _("hành động khắc phục")
        verbose_name_plural = _("hành động khắc phục")
        ordering = ["nonconformity_id", "due_on", "id"]
        indexes = [models.Index(fields=["due_on"], name="action_open_due", condition=models.Q(done_on=None))]
        permissions = [("verify_correctiveaction", "Can verify a corrective action's effectiveness")]

    def __str__(self) -> str:
        return self.description[:80]

    def is_overdue(self, today: dt.date) -> bool:
        return self.done_on is None and self.due_on < today


class LatePattern(AuditedModel):
    """eISO's proposal of a nonconformity: the same step of the same procedure late in `count` dossiers of one month
    (at least EISO["NC_LATE_PATTERN_MIN"]). Made once per procedure, step and month; the ISO secretary accepts it
    (a nonconformity is raised) or dismisses it with the reason."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Chờ quyết định")
        ACCEPTED = "accepted", _("Đã chấp nhận")
        DISMISSED = "dismissed", _("Đã bỏ qua")

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.CASCADE, related_name="late_patterns"
    )
    procedure = models.ForeignKey(
        "procedures.AdminProcedure", verbose_name=_("thủ tục hành chính"), on_delete=models.CASCADE, related_name="+"
    )
    step = models.CharField(_("bước"), max_length=30)
    step_name = models.CharField(_("tên bước"), max_length=255, blank=True)
    month = models.DateField(_("tháng"))
    count = models.PositiveIntegerField(_("số hồ sơ trễ"))
    proposed_at = models.DateTimeField(_("ngày đề xuất"), auto_now_add=True)
    status = models.CharField(_("tình trạng"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("người quyết định"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("ngày quyết định"), null=True, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    nonconformity = models.OneToOneField(
        Nonconformity,
        verbose_name=_("sự không phù hợp"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="late_pattern",
    )

    class Meta:
        verbose_name = _("đề xuất sự không phù hợp")
        verbose_name_plural = _("đề xuất sự không phù hợp")
        ordering = ["-month", "-count", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "procedure", "step", "month"], name="late_pattern_once")
        ]

    def __str__(self) -> str:
        return f"{self.procedure.name} — {self.step_name or self.step} ({self.month:%m/%Y}): {self.count}"


# -- citizens' satisfaction (§9.1.2) --------------------------------------------------------------------------------
RATING = [MinValueValidator(1), MaxValueValidator(5)]


class SurveyResponse(AuditedModel):
    """One answer to an agency's public satisfaction survey (no login, no personal data). A rating of 1-5; satisfied
    means 4 or 5, dissatisfied 1 or 2."""

    class OnTime(models.TextChoices):
        YES = "yes", _("Đúng hẹn")
        NO = "no", _("Trễ hẹn")
        PENDING = "pending", _("Chưa nhận kết quả")

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), on_delete=models.PROTECT, related_name="survey_responses"
    )
    submitted_at = models.DateTimeField(_("thời điểm gửi"))
    dossier_code = models.CharField(_("mã hồ sơ"), max_length=60, blank=True)
    dossier = models.ForeignKey(
        "dossiers.Dossier", verbose_name=_("hồ sơ"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    procedure = models.ForeignKey(
        "procedures.AdminProcedure",
        verbose_name=_("thủ tục hành chính"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    overall = models.PositiveSmallIntegerField(_("mức độ hài lòng chung"), validators=RATING)
    on_time = models.CharField(_("thời gian giải quyết"), max_length=10, choices=OnTime.choices)
    attitude = models.PositiveSmallIntegerField(_("thái độ của cán bộ"), validators=RATING)
    guidance = models.PositiveSmallIntegerField(_("hướng dẫn rõ ràng, đầy đủ"), validators=RATING)
    comment = models.TextField(_("ý kiến"), blank=True)

    class Meta:
        verbose_name = _("phiếu khảo sát hài lòng")
        verbose_name_plural = _("phiếu khảo sát hài lòng")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["agency", "submitted_at"])]

    def __str__(self) -> str:
        return _("Phiếu %(n)s") % {"n": self.pk}

    @property
    def dissatisfied(self) -> bool:
        return self.overall <= 2


class SurveyRefusal(models.Model):
    """Answers refused by the abuse control (rate per address or per dossier code, the honeypot), counted per agency
    and day: a flood is counted, never stored as answers."""

    agency = models.ForeignKey("organizations.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=20)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("phiếu khảo sát bị từ chối")
        verbose_name_plural = _("phiếu khảo sát bị từ chối")
        constraints = [models.UniqueConstraint(fields=["agency", "day", "reason"], name="survey_refusal_unique")]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.reason}: {self.count}"
