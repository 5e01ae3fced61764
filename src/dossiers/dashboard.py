import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import scope_queryset
from accounts.roles import Role

from . import services
from .models import Dossier, DossierWarning, MonthlyStat


def _held_panel(user, now):
    """The dossiers the user holds: what to do now, with labelled counts that open the filtered list."""
    held = Dossier.objects.open().filter(holder=user)
    head = user.role == Role.AGENCY_HEAD
    return (
        "dossiers/_panel_staff.html",
        {
            "title": _("Hồ sơ chờ tôi ký, phê duyệt") if head else _("Hồ sơ tôi đang giữ"),
            "held": held.select_related("procedure").order_by("due_at")[:10],
            "held_count": held.count(),
            "late_count": held.filter(due_at__lt=now).count(),
            "soon_count": held.filter(due_at__gte=now, due_at__lte=services.due_soon_horizon(now)).count(),
            "unread": DossierWarning.objects.filter(user=user, read_at__isnull=True).count(),
            "now": now,
        },
    )


def panels(request):
    user = request.user
    if not user.has_perm("dossiers.view_dossier"):
        return []
    now = timezone.now()
    result = []
    if user.has_perm("dossiers.add_dossierevent") and not user.has_province_scope and not user.is_superuser:
        result.append(_held_panel(user, now))
    if not user.has_perm("dossiers.view_analytics"):
        return result
    year_start = timezone.localdate().replace(month=1, day=1)
    stats = scope_queryset(user, MonthlyStat.objects.filter(month__gte=year_start - dt.timedelta(days=366)))
    province_scope = user.has_province_scope or user.is_superuser
    by, limit = ("field", 8) if province_scope else ("procedure", 6)
    tables, totals = services.on_time_summary(stats, {by: limit})
    context = {"totals": totals, "province_scope": province_scope, "rows": tables[by], "overdue": None}
    if not province_scope:
        context["overdue"] = scope_queryset(user, Dossier.objects.open().filter(due_at__lt=now)).count()
    result.append(("dossiers/_panel_rate.html", context))
    return result
