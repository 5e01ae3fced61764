from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import PROVINCE_ROLES, Role


class User(AbstractUser):
    """An official. Belongs to one agency and has one role there."""

    agency = models.ForeignKey(
        "organizations.Agency", verbose_name=_("cơ quan"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="members",
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.STAFF)
    position = models.CharField(_("chức vụ"), max_length=150, blank=True)
    unit = models.CharField(_("phòng, bộ phận"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self):
        return self.get_full_name() or self.username

    def get_full_name(self):
        # Vietnamese order: family name first.
        return " ".join(part for part in (self.last_name, self.first_name) if part).strip()

    @property
    def province_id(self):
        return self.agency.province_id if self.agency_id else None

    @property
    def has_province_scope(self):
        return self.role in PROVINCE_ROLES
