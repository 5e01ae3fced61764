"""The one place that decides what a user may see and do.

Two questions, always asked together:
1. Does the user's role grant the permission? (`ROLE_PERMISSIONS`, extended by each app's
   `permissions.py`, collected at start-up.)
2. Is the object inside the user's scope? Agency roles: their own agency. Province roles: every
   agency of their province. Superusers: everything.

An app may also grant a permission on one object beyond the role and scope (`<app>.permissions.grants(user, perm,
obj) -> bool`, collected like ROLE_PERMISSIONS): an auditor from another agency on the one audit they are on, for its
dates.

Views, the API and templates all go through `RoleBackend` (`user.has_perm(perm, obj)`) and
`scope_queryset()`, never through ad-hoc checks: a view fetches its object with `get_permitted(user, qs, perm,
pk=pk)`, checks an action with `require(user, perm)` and acts in one agency's name with `own_agency(user)`.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .roles import AGENCY_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from organizations.models import Agency, AgencyQuerySet

    from .models import User, UserQuerySet

# Managing accounts (see manageable_users / can_manage_user): an agency's head and ISO secretary for their own
# agency, the oversight officer for every agency of the province.
USER_MANAGEMENT = {"accounts.view_user", "accounts.add_user", "accounts.change_user"}

ROLE_PERMISSIONS = {
    Role.STAFF: {"organizations.view_agency", "core.view_auditentry"},
    Role.ISO_SECRETARY: {"organizations.view_agency", "core.view_auditentry", *USER_MANAGEMENT},
    Role.AGENCY_HEAD: {"organizations.view_agency", "core.view_auditentry", *USER_MANAGEMENT},
    Role.OVERSIGHT: {
        "organizations.view_agency",
        "organizations.add_agency",
        "organizations.change_agency",
        "organizations.restructure_agency",
        "core.view_auditentry",
        "core.change_calendaroverride",
        *USER_MANAGEMENT,
        "accounts.move_user",
    },
    Role.PROVINCIAL_VIEWER: {"organizations.view_agency", "core.view_auditentry"},
}


@cache
def role_permissions() -> dict[str, set[str]]:
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


@cache
def object_grants() -> list:
    """Every installed app's `<app>.permissions.grants` (user, perm, obj) -> bool."""
    found = []
    for config in apps.get_app_configs():
        try:
            found.append(import_string(f"{config.name}.permissions.grants"))
        except ImportError:
            continue
    return found


def granted(user: "User", perm: str, obj: Model | None) -> bool:
    """An app's grant of `perm` on `obj` to `user` beyond their role and scope."""
    return obj is not None and any(grant(user, perm, obj) for grant in object_grants())


def agency_of(obj: Model) -> "Agency | None":
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


def in_scope(user: "User", agency: "Agency | None") -> bool:
    if user.is_superuser:
        return True
    if agency is None or not user.agency_id:
        return False
    if user.role in AGENCY_ROLES:
        return agency.pk == user.agency_id
    return agency.province_id == user.agency.province_id


def has_perm(user: "User | AnonymousUser", perm: str, obj: Model | None = None) -> bool:
    if not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if perm not in role_permissions().get(user.role, ()):
        return granted(user, perm, obj)
    if obj is None:
        return True
    agency = agency_of(obj)
    if agency is None and getattr(obj, "province_id", None) is not None:
        # Province-wide records (e.g. the procedure catalog): anyone of that province, as the role allows.
        return user.agency_id is not None and user.agency.province_id == obj.province_id
    return in_scope(user, agency) or granted(user, perm, obj)


def visible_agencies(user: "User | AnonymousUser") -> "AgencyQuerySet":
    from organizations.models import Agency

    if user.is_superuser:
        return Agency.objects.all()
    if not user.is_authenticated or not user.agency_id:
        return Agency.objects.none()
    if user.role in AGENCY_ROLES:
        return Agency.objects.filter(pk=user.agency_id)
    return Agency.objects.filter(province_id=user.agency.province_id)


def scope_queryset[Q: QuerySet](user: "User | AnonymousUser", queryset: Q, agency_field: str = "agency") -> Q:
    """Restrict any queryset of agency-owned rows to what the user may see."""
    if user.is_superuser:
        return queryset
    if not user.is_authenticated or not user.agency_id:
        return queryset.none()
    if user.role in AGENCY_ROLES:
        return queryset.filter(**{f"{agency_field}_id": user.agency_id})
    # The province's agencies as a subquery, not a join: the query plans a list as a filter on its own table, so
    # SQLite walks the list's order index (a join to the agencies made it sort every row of the province first).
    from organizations.models import Agency

    agencies = Agency.objects.filter(province_id=user.agency.province_id).values("pk")
    return queryset.filter(**{f"{agency_field}_id__in": agencies})


# -- accounts ---------------------------------------------------------------------------------------
# Who manages whom, in the app (the admin stays for superusers):
# - the oversight officer: the accounts of every agency of their own province; creates them, sets role, unit,
#   position, agency; moves a person from one agency of the province to another (`accounts.move_user`);
# - an agency's head and ISO secretary: the accounts of their own agency only; they can neither take a person
#   from another agency nor send one away (a move would put someone into an agency that did not ask for it):
#   when someone leaves, they deactivate the account and the oversight officer moves and reactivates it;
# - only agency roles are granted in the app, and only agency-role accounts are managed there: province roles and
#   superusers are set by a superuser; nobody changes their own role, agency or active flag.


def assignable_roles(user: "User") -> list[Role]:
    """The roles `user` may grant, in Role order."""
    if user.is_superuser:
        return list(Role)
    return [role for role in Role if role in AGENCY_ROLES]


def assignable_agencies(user: "User") -> "AgencyQuerySet":
    """The active agencies `user` may create accounts in or move accounts to."""
    agencies = visible_agencies(user).active()
    if not user.is_superuser and not has_perm(user, "accounts.move_user"):
        return agencies.filter(pk=user.agency_id)
    return agencies


def manageable_users(user: "User") -> "UserQuerySet":
    """The accounts `user` may list and manage: scoped to their agency or province, agency roles only."""
    from .models import User

    users = User.objects.select_related("agency")
    if not has_perm(user, "accounts.change_user"):
        return users.none()
    if user.is_superuser:
        return users
    return scope_queryset(user, users, "agency").filter(role__in=AGENCY_ROLES, is_superuser=False)


def can_manage_user(user: "User", target: "User") -> bool:
    if not has_perm(user, "accounts.change_user", target):
        return False
    return user.is_superuser or (target.role in AGENCY_ROLES and not target.is_superuser)


# -- the one fetch-and-check of views and services ---------------------------------------------------------------
def require(
    user: "User | AnonymousUser", perm: str, obj: Model | None = None, message: str | Promise | None = None
) -> None:
    """Raise PermissionDenied (shown by the 403 page) unless `user` has `perm` (on `obj`, when given)."""
    if not user.has_perm(perm, obj):
        raise PermissionDenied(message or _("Bạn không có quyền thực hiện thao tác này."))


def get_permitted[M: Model](
    user: "User | AnonymousUser",
    queryset: type[M] | QuerySet[M],
    perm: str,
    message: str | Promise | None = None,
    **lookup: Any,
) -> M:
    """The object of `queryset` (a model or a queryset) matching `lookup`, if it exists (404 otherwise) and `user`
    has `perm` on it (403 with `message` otherwise: never another tenant's data)."""
    obj = get_object_or_404(queryset, **lookup)
    require(user, perm, obj, message)
    return obj


def own_agency(user: "User", perm: str | None = None, message: str | Promise | None = None) -> "Agency":
    """The user's own agency for an action done in one agency's name (receipts, imports, processes): 403 for an
    account without one, and, when the view gives its `message`, for a province-wide account too."""
    if perm:
        require(user, perm)
    if not user.agency_id:
        raise PermissionDenied(message or _("Tài khoản chưa gắn với cơ quan nào."))
    if message and user.has_province_scope:
        raise PermissionDenied(message)
    return user.agency
