from django.db.models import Count, Q

from accounts.permissions import visible_agencies

from .models import Obligation


def province_summary(agencies):
    """Counts of active agencies by obligation, and commune committees, for a province's dashboard."""
    return agencies.active().aggregate(
        total=Count("pk"),
        mandatory=Count("pk", filter=Q(obligation=Obligation.MANDATORY)),
        encouraged=Count("pk", filter=Q(obligation=Obligation.ENCOURAGED)),
        communes=Count("pk", filter=Q(kind__is_commune_committee=True)),
        scope_review=Count("pk", filter=Q(scope_review_required=True)),
    )


def panels(request):
    user = request.user
    if not user.has_perm("organizations.view_agency"):
        return []
    if user.is_superuser or user.has_province_scope:
        agencies = visible_agencies(user)
        return [
            (
                "organizations/_panel_province.html",
                {
                    "summary": province_summary(agencies),
                    "province": user.agency.province if user.agency_id else None,
                    "to_review": agencies.active().filter(scope_review_required=True).select_related("kind")[:10],
                },
            )
        ]
    return [("organizations/_panel_agency.html", {"agency": user.agency})]
