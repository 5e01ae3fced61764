"""An agency's QMS health at a glance: objectives on and off target, open and overdue corrective actions, risks
above the acceptable level, documents due for review; each figure with the items behind it."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from ..models import CorrectiveAction, Nonconformity, Objective, Risk
from .nonconformities import overdue_actions
from .objectives import with_status
from .risks import above_acceptable, levels

if TYPE_CHECKING:
    from organizations.models import Agency


def health(agency: "Agency", today: dt.date | None = None) -> dict[str, Any]:
    from documents.models import Document

    today = today or timezone.localdate()
    objectives = with_status(Objective.objects.filter(agency=agency, year=today.year))
    actions = CorrectiveAction.objects.filter(
        nonconformity__agency=agency, nonconformity__status=Nonconformity.Status.OPEN
    ).select_related("nonconformity", "owner")
    open_actions: QuerySet[CorrectiveAction] = actions.filter(done_on=None)
    risks = above_acceptable(Risk.objects.filter(agency=agency).select_related("owner"), levels(agency.province))
    documents = Document.objects.needs_review(today).filter(agency=agency)
    return {
        "agency": agency,
        "year": today.year,
        "objectives": objectives,
        "on_target": [o for o in objectives if o.on_target is True],
        "off_target": [o for o in objectives if o.on_target is False],
        "unmeasured": [o for o in objectives if o.on_target is None],
        "open_ncs": Nonconformity.objects.filter(agency=agency, status=Nonconformity.Status.OPEN).count(),
        "open_actions": open_actions.count(),
        "overdue_actions": list(overdue_actions(actions, today).order_by("due_on")[:10]),
        "overdue_count": overdue_actions(actions, today).count(),
        "to_verify": list(actions.filter(done_on__isnull=False, effective=None).order_by("done_on")[:10]),
        "risks_above": risks,
        "risks_review_due": Risk.objects.filter(agency=agency, status=Risk.Status.OPEN, review_on__lt=today).count(),
        "documents_due": list(documents.order_by("review_due")[:5]),
        "documents_due_count": documents.count(),
    }
