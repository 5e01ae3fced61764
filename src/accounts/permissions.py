"""The one place that decides what a user may see and do.

Two questions, always asked together:
1. Does the user's role grant the permission? (`ROLE_PERMISSIONS`, extended by each app's
   `permissions.py`, collected at start-up.)
2. Is the object inside the user's scope? Agency roles: their own agency. Province roles: every
   agency of their province. Superusers: everything.

Views, the API and templates all go through `RoleBackend` (`user.has_perm(perm, obj)`) and
`scope_queryset()`, never through ad-hoc checks.
"""

from functools import cache

from django.apps import apps
from django.utils.module_loading import import_string

from .roles import AGENCY_ROLES, Role

ROLE_PERMISSIONS = {
    Role.STAFF: {"organizations.view_agency", "core.view_auditentry"},
    Role.ISO_SECRETARY: {"organizations.view_agency", "core.view_auditentry"},
    Role.AGENCY_HEAD: {"organizations.view_agency", "core.view_auditentry"},
    Role.OVERSIGHT: {
        "organizations.view_agency", "organizations.add_agency", "organizations.change_agency",
        "organizations.restructure_agency", "core.view_auditentry", "core.change_calendaroverride",
    },
    Role.PROVINCIAL_VIEWER: {"organizations.view_agency", "core.view_auditentry"},
}


@cache
def role_permissions():
    """ROLE_PERMISSIONS merged with every installed app's `<app>.permissions.ROLE_PERMISSIONS`."""
    merged = {role: set(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        if config.name == "accounts":
            continue
        try:
            extra = import_string(f"{config.name}.permissions.ROLE_PERMISSIONS")
        except ImportError:
            continue
        for role, perms in extra.items():
            merged.setdefault(role, set()).update(perms)
    return merged


def agency_of(obj):
    """The agency an object belongs to (the agency itself for an Agency).

    Records that keep their agency as a plain number (the audit trail's `agency_id`, which has no foreign key so
    that entries outlive what they describe) belong to that agency as much as those with a relation.
    """
    from organizations.models import Agency

    if isinstance(obj, Agency):
        return obj
    if hasattr(obj, "audit_agency"):
        return obj.audit_agency()
    agency = getattr(obj, "agency", None)
    if agency is None and getattr(obj, "agency_id", None) is not None:
        agency = Agency.objects.filter(pk=obj.agency_id).first() or Agency(pk=obj.agency_id, province_id=None)
    return agency


def in_scope(user, agency):
    if user.is_superuser:
        return True
    if agency is None or not user.agency_id:
        return False
    if user.role in AGENCY_ROLES:
        return agency.pk == user.agency_id
    return agency.province_id == user.agency.province_id


def has_perm(user, perm, obj=None):
    if not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if perm not in role_permissions().get(user.role, ()):
        return False
    if obj is None:
        return True
    agency = agency_of(obj)
    if agency is None and getattr(obj, "province_id", None) is not None:
        # Province-wide records (e.g. the procedure catalog): anyone of that province, as the role allows.
        return user.agency_id is not None and user.agency.province_id == obj.province_id
    return in_scope(user, agency)


def visible_agencies(user):
    from organizations.models import Agency

    if user.is_superuser:
        return Agency.objects.all()
    if not user.is_authenticated or not user.agency_id:
        return Agency.objects.none()
    if user.role in AGENCY_ROLES:
        return Agency.objects.filter(pk=user.agency_id)
    return Agency.objects.filter(province_id=user.agency.province_id)


def scope_queryset(user, queryset, agency_field="agency"):
    """Restrict any queryset of agency-owned rows to what the user may see."""
    if user.is_superuser:
        return queryset
    if not user.is_authenticated or not user.agency_id:
        return queryset.none()
    if user.role in AGENCY_ROLES:
        return queryset.filter(**{f"{agency_field}_id": user.agency_id})
    return queryset.filter(**{f"{agency_field}__province_id": user.agency.province_id})
