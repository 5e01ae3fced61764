"""Who does what in the internal audit and the management review.

The audit team is named on each plan: its members answer the checklist and record findings on that plan only
(`grants`, merged into accounts.permissions.has_perm). A member from another agency of the province (the provincial
ISO advisory team auditing a commune) sees that one audit, and only from its first to its last day."""

from typing import TYPE_CHECKING

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from accounts.roles import Role

if TYPE_CHECKING:
    from accounts.models import User

    from .models import AuditPlan

READ = {
    "evaluation.view_auditprogramme",
    "evaluation.view_auditplan",
    "evaluation.view_finding",
    "evaluation.view_auditreport",
    "evaluation.view_managementreview",
    "evaluation.view_reviewdecision",
}
RUN_QMS = {
    "evaluation.add_auditprogramme",
    "evaluation.change_auditprogramme",
    "evaluation.add_auditplan",
    "evaluation.change_auditplan",
    "evaluation.close_auditplan",
    "evaluation.add_auditreport",
    "evaluation.change_auditreport",
    "evaluation.add_managementreview",
    "evaluation.change_managementreview",
    "evaluation.add_reviewdecision",
}
# The owner of a review's action records it done (the service checks it is theirs).
REPORT = {"evaluation.change_reviewdecision"}

ROLE_PERMISSIONS = {
    Role.STAFF: READ | REPORT,
    Role.ISO_SECRETARY: READ | REPORT | RUN_QMS,
    # The head signs the audit report and the review's minutes.
    Role.AGENCY_HEAD: READ | REPORT | RUN_QMS | {"evaluation.sign_auditreport", "evaluation.close_managementreview"},
    Role.OVERSIGHT: READ,
    Role.PROVINCIAL_VIEWER: READ,
}

# What a member of a plan's audit team may do on that plan (its checklist, evidence and findings).
TEAM = {"evaluation.view_auditplan", "evaluation.view_finding", "evaluation.conduct_auditplan"}


def plan_of(obj: Model) -> "AuditPlan | None":
    from .models import AuditPlan, AuditSession, ChecklistItem, Evidence, Finding

    if isinstance(obj, AuditPlan):
        return obj
    if isinstance(obj, ChecklistItem | Finding | AuditSession):
        return obj.plan
    if isinstance(obj, Evidence):
        return obj.item.plan
    return None


def on_team(user: "User", plan: "AuditPlan") -> bool:
    return user.pk == plan.lead_auditor_id or plan.auditors.filter(pk=user.pk).exists()


def grants(user: "User", perm: str, obj: Model | None) -> bool:
    """A team member on their plan: an outsider only between its first and last day; a member of the audited agency
    while it is open, from its first day (there is nothing to answer before)."""
    if perm not in TEAM or not user.is_authenticated:
        return False
    plan = plan_of(obj)
    if plan is None or user.agency_id is None or not on_team(user, plan):
        return False
    today = timezone.localdate()
    if perm == "evaluation.conduct_auditplan" and (plan.status != plan.Status.OPEN or today < plan.start_on):
        return False
    if user.agency_id != plan.agency_id:
        same_province = user.agency.province_id == plan.agency.province_id
        return same_province and plan.start_on <= today <= plan.end_on
    return True


def team_plans(user: "User", plans: QuerySet) -> QuerySet:
    """The plans of `plans` that `grants` opens to `user` beyond their scope (to add to a scoped list)."""
    today = timezone.localdate()
    if not user.is_authenticated:
        return plans.none()
    return plans.filter(Q(lead_auditor=user) | Q(auditors=user), start_on__lte=today, end_on__gte=today).exclude(
        agency_id=user.agency_id
    )
