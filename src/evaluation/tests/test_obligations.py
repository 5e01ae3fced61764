import datetime as dt

import pytest
from django.utils import timezone

from documents.models import Document, add_months
from evaluation import services
from evaluation.models import Result
from organizations.models import Agency

pytestmark = pytest.mark.django_db


def test_an_amended_procedure_opens_a_three_month_window(team, land, catalog, procedure_document, settings):
    from procedures.services import change_status

    today = timezone.localdate()
    [row] = services.obligations(Agency.objects.filter(pk=land.pk))
    assert row.windows == [] and row.last_audit is None and row.audit_overdue
    change_status(catalog["home"], "amended", "Sửa đổi theo Quyết định 123/QĐ-UBND")
    [row] = services.obligations(Agency.objects.filter(pk=land.pk))
    [window] = row.windows
    assert window.document == procedure_document and window.since == today
    assert window.due == add_months(today, settings.EISO["QMS_UPDATE_MONTHS"]) and not window.overdue
    # four months later it is overdue; a second change does not move the window's start
    later = add_months(today, 4)
    change_status(catalog["home"], "annulled", "Bãi bỏ theo Quyết định 200/QĐ-UBND")
    [row] = services.obligations(Agency.objects.filter(pk=land.pk), today=later)
    assert row.windows[0].since == today and row.windows[0].overdue and row.overdue == 1


def test_a_revised_document_closes_its_window(team, land, catalog, procedure_document):
    from documents import services as documents
    from procedures.services import change_status

    change_status(catalog["home"], "amended", "Sửa đổi")
    version = documents.revise(procedure_document, team["secretary"], change_summary="Cập nhật theo thủ tục mới")
    for action, user in [
        ("submit", team["secretary"]),
        ("review", team["head"]),
        ("approve", team["head"]),
        ("issue", team["head"]),
    ]:
        documents.transition(version, user, action)
    document = Document.objects.get(pk=procedure_document.pk)
    assert not document.needs_review and document.needs_review_since is None
    assert services.of_agency(land).windows == []


def test_last_audit_and_review_dates(team, land, plan):
    for item in plan.items.all():
        services.answer(team["quality_officer"], item, Result.CONFORM)
    services.close_plan(team["secretary"], plan, "Phù hợp")
    row = services.of_agency(land)
    assert row.last_audit == timezone.localdate() and not row.audit_overdue
    assert row.last_review is None and row.review_overdue and not row.in_order
    next_year = add_months(timezone.localdate(), 12) + dt.timedelta(days=1)
    assert services.of_agency(land, today=next_year).audit_overdue
