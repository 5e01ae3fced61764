"""The agency's QMS health on the home page of its ISO secretary and head (and of any agency user who holds
corrective actions)."""

from django.utils import timezone

from .models import CorrectiveAction, Nonconformity
from .services import health


def panels(request):
    user = request.user
    if not user.agency_id or user.has_province_scope or not user.has_perm("improvement.view_objective"):
        return []
    if user.has_perm("improvement.change_nonconformity"):
        return [("improvement/_panel_health.html", health(user.agency))]
    mine = CorrectiveAction.objects.filter(
        owner=user, done_on=None, nonconformity__status=Nonconformity.Status.OPEN
    ).select_related("nonconformity")
    if not mine.exists():
        return []
    return [
        ("improvement/_panel_mine.html", {"mine": list(mine.order_by("due_on")[:10]), "today": timezone.localdate()})
    ]
