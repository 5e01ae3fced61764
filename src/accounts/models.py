from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.text import search_key, sort_key

from .roles import PROVINCE_ROLES, Role

# The fields whose changes go to the audit trail (see accounts.history); never the password hash or last_login.
AUDITED_FIELDS = (
    "username",
    "last_name",
    "first_name",
    "email",
    "agency_id",
    "role",
    "unit",
    "position",
    "is_active",
    "is_staff",
    "is_superuser",
)


class UserQuerySet(models.QuerySet):
    def search(self, text):
        key = search_key(text)
        return self.filter(search_key__contains=key) if key else self


class EisoUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """An official. Belongs to one agency and has one role there."""

    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name=_("cơ quan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices, default=Role.STAFF)
    position = models.CharField(_("chức vụ"), max_length=150, blank=True)
    unit = models.CharField(_("phòng, bộ phận"), max_length=150, blank=True)
    search_key = models.CharField(max_length=400, editable=False, db_index=True, default="")
    sort_key = models.CharField(max_length=700, editable=False, db_index=True, default="")

    objects = EisoUserManager()

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def __str__(self):
        return self.get_full_name() or self.username

    @classmethod
    def from_db(cls, db, field_names, values, *args, **kwargs):
        instance = super().from_db(db, field_names, values, *args, **kwargs)
        from .history import snapshot

        instance._audit_before = snapshot(instance)
        return instance

    def refresh_from_db(self, using=None, fields=None, *args, **kwargs):
        super().refresh_from_db(using, fields, *args, **kwargs)
        from .history import snapshot

        # the audit snapshot follows the database, or the next save would be compared with stale values
        fresh = snapshot(self)
        if fields is not None:
            fields = {self._meta.get_field(name).attname for name in fields} | set(fields)
            fresh = {name: value for name, value in fresh.items() if name in fields}
        self._audit_before = {**getattr(self, "_audit_before", {}), **fresh}

    def save(self, *args, **kwargs):
        self.search_key = search_key(f"{self.get_full_name()} {self.username}")[:400]
        self.sort_key = sort_key(f"{self.first_name} {self.last_name}")  # given name first, as Vietnamese lists go
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"first_name", "last_name", "username"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_key", "sort_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("accounts:user_detail", args=[self.pk])

    @property
    def role_label(self):
        """The role as the user menu shows it: a superuser is the system administrator, whatever `role` holds."""
        return _("Quản trị hệ thống") if self.is_superuser else self.get_role_display()

    def get_full_name(self):
        # Vietnamese order: family name first.
        return " ".join(part for part in (self.last_name, self.first_name) if part).strip()

    @property
    def province_id(self):
        return self.agency.province_id if self.agency_id else None

    @property
    def has_province_scope(self):
        return self.role in PROVINCE_ROLES
