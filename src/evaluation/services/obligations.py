"""The yearly obligations of Decision 19/2014/QĐ-TTg Art. 4.4, per agency: an internal audit and a management review
at least every AUDIT_INTERVAL_MONTHS / REVIEW_INTERVAL_MONTHS, and the QMS updated within QMS_UPDATE_MONTHS of a
change (a procedure amended or annulled in the catalog, a legal basis changed: the documents' "needs update" flag and
the day it was raised)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Max, QuerySet
from django.utils import timezone

from documents.models import Document, add_months

from ..models import AuditPlan, ManagementReview

if TYPE_CHECKING:
    from organizations.models import Agency


@dataclass
class Window:
    """A document to update: the change's day, the end of the window, and whether it has passed."""

    document: Document
    since: dt.date
    due: dt.date
    overdue: bool


@dataclass
class Obligations:
    agency: "Agency"
    last_audit: dt.date | None
    audit_due: dt.date | None
    last_review: dt.date | None
    review_due: dt.date | None
    today: dt.date
    windows: list[Window] = field(default_factory=list)

    @property
    def audit_overdue(self) -> bool:
        return self.audit_due is None or self.audit_due < self.today

    @property
    def review_overdue(self) -> bool:
        return self.review_due is None or self.review_due < self.today

    @property
    def running(self) -> int:
        return sum(1 for w in self.windows if not w.overdue)

    @property
    def overdue(self) -> int:
        return sum(1 for w in self.windows if w.overdue)

    @property
    def in_order(self) -> bool:
        return not (self.audit_overdue or self.review_overdue or self.overdue)


def _months(name: str) -> int:
    return max(1, settings.EISO[name])


def obligations(agencies: QuerySet["Agency"], today: dt.date | None = None) -> list[Obligations]:
    """The obligations of each agency of `agencies` (in their order): four queries whatever their number."""
    return _obligations(list(agencies), agencies.order_by().values("pk"), today)


def of_agency(agency: "Agency", today: dt.date | None = None) -> Obligations:
    """One agency's obligations (three queries: the home page of its ISO secretary and head)."""
    return _obligations([agency], [agency.pk], today)[0]


def _obligations(agencies: list["Agency"], ids: Any, today: dt.date | None) -> list[Obligations]:
    today = today or timezone.localdate()
    audits = dict(
        AuditPlan.objects.filter(agency_id__in=ids, status=AuditPlan.Status.CLOSED)
        .values("agency_id")
        .annotate(last=Max("closed_on"))
        .values_list("agency_id", "last")
    )
    reviews = dict(
        ManagementReview.objects.filter(agency_id__in=ids, status=ManagementReview.Status.CLOSED)
        .values("agency_id")
        .annotate(last=Max("meeting_on"))
        .values_list("agency_id", "last")
    )
    windows: dict[int, list[Window]] = {}
    update = _months("QMS_UPDATE_MONTHS")
    flagged = (
        Document.objects.in_force()
        .filter(agency_id__in=ids, needs_review=True)
        .exclude(needs_review_since=None)
        .only("pk", "agency_id", "code", "title", "needs_review_since", "needs_review_reason")
        .order_by("needs_review_since", "code")
    )
    for document in flagged:
        due = add_months(document.needs_review_since, update)
        windows.setdefault(document.agency_id, []).append(
            Window(document=document, since=document.needs_review_since, due=due, overdue=due < today)
        )
    rows = []
    for agency in agencies:
        last_audit, last_review = audits.get(agency.pk), reviews.get(agency.pk)
        rows.append(
            Obligations(
                agency=agency,
                last_audit=last_audit,
                audit_due=add_months(last_audit, _months("AUDIT_INTERVAL_MONTHS")) if last_audit else None,
                last_review=last_review,
                review_due=add_months(last_review, _months("REVIEW_INTERVAL_MONTHS")) if last_review else None,
                today=today,
                windows=windows.get(agency.pk, []),
            )
        )
    return rows
