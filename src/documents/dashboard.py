from django.utils import timezone

from accounts.permissions import scope_queryset

from .models import Document, DocumentVersion, Notification
from .services import in_force_versions, pending_acknowledgements, separation_of_duties

S = DocumentVersion.Status
LIMIT = 20  # rows per panel list; the badge counts them all


def panels(request):
    user = request.user
    if not user.has_perm("documents.view_document"):
        return []
    versions = scope_queryset(user, DocumentVersion.objects.all(), "document__agency").select_related(
        "document", "author", "reviewed_by"
    )
    context = {
        "to_read": list(pending_acknowledgements(user)[:10]),
        "notifications": list(
            Notification.objects.filter(user=user, read_at__isnull=True).select_related("document")[:5]
        ),
    }
    if user.has_perm("documents.approve_document"):
        awaiting = versions.filter(status=S.REVIEWED)
        if separation_of_duties():
            awaiting = awaiting.exclude(author=user)
        # What waits for this head's approval: checked, in his agency, not drafted by himself.
        context["to_approve_count"] = awaiting.count()
        context["to_approve"] = list(awaiting.order_by("document__code")[:LIMIT])
    if user.has_perm("documents.review_document"):
        to_review = versions.filter(status=S.SUBMITTED)
        if separation_of_duties():
            to_review = to_review.exclude(author=user)
        context["to_review"] = list(to_review.order_by("document__code")[:10])
    if user.has_perm("documents.issue_document"):
        context["to_issue"] = list(versions.filter(status=S.APPROVED).order_by("document__code")[:10])
    if (
        user.has_perm("documents.change_document")
        or user.has_perm("documents.approve_document")
        or user.has_province_scope
    ):
        due = scope_queryset(user, Document.objects.needs_review(timezone.localdate()))
        context["needs_review_count"] = due.count()
        context["needs_review"] = list(due.order_by("review_due")[:5])
    # The same rows as the in-force list the link opens (views.in_force): in force today, every visible agency.
    context["in_force_count"] = scope_queryset(user, in_force_versions(), "document__agency").count()
    return [("documents/_panel.html", context)]
