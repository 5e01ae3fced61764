from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.audit import AuditedModel
from core.text import search_key, sort_key


class Province(models.Model):
    """A first-level administrative unit (tỉnh / thành phố trực thuộc trung ương)."""

    code = models.CharField(_("mã"), max_length=10, unique=True)
    name = models.CharField(_("tên"), max_length=150)
    is_active = models.BooleanField(_("đang tồn tại"), default=True)

    class Meta:
        verbose_name = _("tỉnh, thành phố")
        verbose_name_plural = _("tỉnh, thành phố")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Obligation(models.TextChoices):
    MANDATORY = "mandatory", _("Bắt buộc")
    ENCOURAGED = "encouraged", _("Khuyến khích")


class AgencyKind(models.Model):
    """A kind of agency. Data, not code: levels change (no districts since 1/7/2025)."""

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên"), max_length=150)
    default_obligation = models.CharField(
        _("đối tượng mặc định"), max_length=20, choices=Obligation.choices, default=Obligation.MANDATORY
    )
    is_commune_committee = models.BooleanField(
        _("là UBND cấp xã"), default=False, help_text=_("Tính vào chỉ tiêu tỷ lệ UBND cấp xã áp dụng HTQLCL.")
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"), default=100)

    class Meta:
        verbose_name = _("loại cơ quan")
        verbose_name_plural = _("loại cơ quan")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class AgencyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Agency.Status.ACTIVE)

    def search(self, text):
        key = search_key(text)
        return self.filter(search_key__contains=key) if key else self


class Agency(AuditedModel):
    """An agency or unit (cơ quan, đơn vị); a tree per province through `parent`."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Đang hoạt động")
        MERGED = "merged", _("Đã sáp nhập")
        SPLIT = "split", _("Đã chia tách")
        DISSOLVED = "dissolved", _("Đã giải thể")

    province = models.ForeignKey(Province, verbose_name=_("tỉnh"), on_delete=models.PROTECT, related_name="agencies")
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    kind = models.ForeignKey(AgencyKind, verbose_name=_("loại"), on_delete=models.PROTECT, related_name="agencies")
    code = models.CharField(_("mã"), max_length=30)
    name = models.CharField(_("tên"), max_length=255)
    short_name = models.CharField(_("tên viết tắt"), max_length=100, blank=True)
    obligation = models.CharField(_("đối tượng"), max_length=20, choices=Obligation.choices)
    unit_code = models.CharField(
        _("mã đơn vị hành chính"), max_length=10, blank=True, help_text=_("Mã xã, phường theo danh mục quốc gia.")
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=30, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    status = models.CharField(_("tình trạng"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    established_on = models.DateField(_("ngày thành lập"), null=True, blank=True)
    ended_on = models.DateField(_("ngày chấm dứt"), null=True, blank=True)
    scope_review_required = models.BooleanField(_("cần rà soát phạm vi HTQLCL"), default=False)
    scope_review_reason = models.CharField(_("lý do rà soát"), max_length=255, blank=True)
    search_key = models.CharField(max_length=255, editable=False, db_index=True)
    sort_key = models.CharField(max_length=600, editable=False, db_index=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("cơ quan, đơn vị")
        verbose_name_plural = _("cơ quan, đơn vị")
        ordering = ["sort_key"]
        constraints = [models.UniqueConstraint(fields=["province", "code"], name="agency_code_unique_in_province")]
        permissions = [("restructure_agency", "Can merge, split or move agencies")]

    # Facts of events recorded on the agency (status changes, documents created from a model QMS).
    audit_labels = {"documents": _("số tài liệu tạo từ mô hình HTQLCL")}

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = search_key(f"{self.name} {self.short_name} {self.code}")
        self.sort_key = sort_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("organizations:agency_detail", args=[self.pk])

    def audit_agency(self):
        return self

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    def ancestors(self):
        """From the root down to the parent."""
        chain, node, seen = [], self.parent, {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))


class AgencyChange(models.Model):
    """A restructuring: merger, split, establishment or dissolution, with its legal decision."""

    class Kind(models.TextChoices):
        MERGER = "merger", _("Hợp nhất, sáp nhập")
        SPLIT = "split", _("Chia, tách")
        ESTABLISHMENT = "establishment", _("Thành lập mới")
        MOVE = "move", _("Thay đổi cơ quan chủ quản")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="agency_changes")
    kind = models.CharField(_("loại thay đổi"), max_length=20, choices=Kind.choices)
    effective_on = models.DateField(_("ngày hiệu lực"))
    decision = models.CharField(_("quyết định"), max_length=200, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    predecessors = models.ManyToManyField(Agency, related_name="succeeded_by_changes", verbose_name=_("cơ quan trước"))
    successors = models.ManyToManyField(Agency, related_name="created_by_changes", verbose_name=_("cơ quan sau"))
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thay đổi tổ chức")
        verbose_name_plural = _("thay đổi tổ chức")
        ordering = ["-effective_on", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.effective_on:%d/%m/%Y}"
