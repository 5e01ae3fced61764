from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "role", "agency", "is_active"]
    list_filter = ["role", "is_active", "agency__province"]
    search_fields = ["username", "first_name", "last_name", "email", "agency__name"]
    autocomplete_fields = ["agency"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Cơ quan và vai trò"), {"fields": ["agency", "role", "position", "unit"]}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + ((_("Cơ quan và vai trò"), {"fields": ["agency", "role"]}),)
