"""The yearly obligations on the home page: an agency's own (ISO secretary, head), and the province's count of
agencies behind for the oversight body and the People's Committee."""

from accounts.permissions import visible_agencies

from . import services


def panels(request):
    user = request.user
    if not user.agency_id or not user.has_perm("evaluation.view_managementreview"):
        return []
    if user.has_province_scope:
        rows = services.obligations(visible_agencies(user).active().only("pk"))  # counts only
        summary = {
            "total": len(rows),
            "no_audit": sum(r.audit_overdue for r in rows),
            "no_review": sum(r.review_overdue for r in rows),
            "late_updates": sum(1 for r in rows if r.overdue),
        }
        return [("evaluation/_panel_province.html", summary)]
    if not user.has_perm("evaluation.change_managementreview"):
        return []
    return [("evaluation/_panel_obligations.html", services.of_agency(user.agency))]
