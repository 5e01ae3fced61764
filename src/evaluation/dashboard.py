"""The yearly obligations on the home page: an agency's own (ISO secretary, head), and the province's count of
agencies behind for the oversight body and the People's Committee."""

from django.utils import timezone

from accounts.permissions import visible_agencies

from . import services


def panels(request):
    user = request.user
    if not user.agency_id or not user.has_perm("evaluation.view_managementreview"):
        return []
    if user.has_province_scope:
        from organizations.models import Obligation

        rows = services.obligations(visible_agencies(user).active().only("pk", "obligation"))  # counts only
        mandatory = [r for r in rows if r.agency.obligation == Obligation.MANDATORY]
        summary = {
            "total": len(rows),
            "no_audit": sum(r.audit_overdue for r in rows),
            "no_review": sum(r.review_overdue for r in rows),
            "late_updates": sum(1 for r in rows if r.overdue),
            # the agencies that must apply the QMS, apart: the encouraged ones may not have begun
            "mandatory": len(mandatory),
            "mandatory_no_audit": sum(r.audit_overdue for r in mandatory),
            "mandatory_no_review": sum(r.review_overdue for r in mandatory),
        }
        return [("evaluation/_panel_province.html", summary)]
    from .models import AuditReport, ManagementReview, ReviewDecision

    mine = list(
        ReviewDecision.objects.filter(owner=user, done_on=None, review__status=ManagementReview.Status.CLOSED)
        .select_related("review")
        .order_by("due_on")[:5]
    )
    if not user.has_perm("evaluation.change_managementreview"):
        return [("evaluation/_panel_mine.html", {"mine": mine, "today": timezone.localdate()})] if mine else []
    to_sign = []
    if user.has_perm("evaluation.sign_auditreport"):
        to_sign = list(
            AuditReport.objects.filter(plan__agency_id=user.agency_id, signed_at=None)
            .exclude(prepared_by=user)
            .select_related("plan__programme")
        )
    context = {"o": services.of_agency(user.agency), "mine": mine, "to_sign": to_sign, "today": timezone.localdate()}
    return [("evaluation/_panel_obligations.html", context)]
