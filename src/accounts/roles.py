from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does in eISO. Agency roles act inside one agency; province roles across a province."""

    STAFF = "staff", _("Cán bộ, công chức")
    ISO_SECRETARY = "iso_secretary", _("Thư ký ISO")
    AGENCY_HEAD = "agency_head", _("Lãnh đạo cơ quan")
    OVERSIGHT = "oversight", _("Cán bộ Sở KH&CN")
    PROVINCIAL_VIEWER = "provincial_viewer", _("Lãnh đạo UBND tỉnh")


AGENCY_ROLES = {Role.STAFF, Role.ISO_SECRETARY, Role.AGENCY_HEAD}
PROVINCE_ROLES = {Role.OVERSIGHT, Role.PROVINCIAL_VIEWER}
