import datetime as dt

from django.utils import timezone

from accounts.permissions import scope_queryset

from . import services
from .models import Dossier, DossierWarning, MonthlyStat


def panels(request):
    user = request.user
    if not user.has_perm("dossiers.view_dossier"):
        return []
    now = timezone.now()
    if user.has_perm("dossiers.add_dossierevent") and not user.has_province_scope:
        held = Dossier.objects.open().filter(holder=user)
        return [("dossiers/_panel_staff.html", {
            "held": held.select_related("procedure").order_by("due_at")[:10],
            "held_count": held.count(), "late_count": held.filter(due_at__lt=now).count(),
            "soon_count": held.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(days=3)).count(),
            "unread": DossierWarning.objects.filter(user=user, read_at__isnull=True).count(),
            "now": now,
        })]
    if not user.has_perm("dossiers.view_analytics"):
        return []
    year_start = timezone.localdate().replace(month=1, day=1)
    stats = scope_queryset(user, MonthlyStat.objects.filter(month__gte=year_start - dt.timedelta(days=366)))
    context = {"totals": services.totals(stats), "province_scope": user.has_province_scope or user.is_superuser,
               "overdue": None}
    if context["province_scope"]:
        context["rows"] = services.on_time_rates(stats, "field")[:8]
    else:
        context["rows"] = services.on_time_rates(stats, "procedure", limit=6)
        context["overdue"] = scope_queryset(user, Dossier.objects.open().filter(due_at__lt=now)).count()
    return [("dossiers/_panel_rate.html", context)]
