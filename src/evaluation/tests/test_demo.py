"""The demo's audits and reviews are what the services make, and the signed records say what the data says."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from evaluation import services
from evaluation.models import AuditPlan, AuditReport, Finding, ManagementReview

pytestmark = pytest.mark.django_db


def test_the_demo_department_audits_and_reviews_its_qms(tmp_path):
    call_command("load_demo", stdout=open(tmp_path / "out.txt", "w"))
    from organizations.models import Agency

    agency = Agency.objects.get(code="SNNMT")
    ended = AuditPlan.objects.get(agency=agency, status=AuditPlan.Status.CLOSED)
    assert not ended.items.filter(result="").exists()
    for session in ended.sessions.all():  # nobody audited their own unit
        assert not services.works_in(session.auditor, agency, session.unit)
    report = AuditReport.objects.get(plan=ended)
    assert report.signed_by.role == "agency_head" and report.prepared_by != report.signed_by
    assert report.content["questions"] == ended.items.count()
    nc_finding = ended.findings.filter(kind=Finding.Kind.NONCONFORMITY).first()
    if nc_finding is not None:  # a late dossier without an apology letter was found
        assert nc_finding.nonconformity.source == "audit" and nc_finding.nonconformity.agency == agency
    signed = ManagementReview.objects.get(agency=agency, status=ManagementReview.Status.CLOSED)
    draft = ManagementReview.objects.get(agency=agency, status=ManagementReview.Status.DRAFT)
    # this year's review follows up last year's actions, as the records stand now
    fresh = services.compile_inputs(agency, draft.period_start, draft.period_end)
    assert draft.inputs["previous_actions"] == fresh["previous_actions"]
    assert [a["description"] for a in draft.inputs["previous_actions"]] == list(
        signed.decisions.order_by("due_on", "id").values_list("description", flat=True)
    )
    assert draft.inputs["performance"] == fresh["performance"] and draft.inputs["performance"]["total"]["completed"]
    row = services.of_agency(agency)
    assert row.last_audit == ended.closed_on and row.last_review == signed.meeting_on
    assert any(w.overdue for w in row.windows) and any(not w.overdue for w in row.windows)
    assert all(w.since <= timezone.localdate() for w in row.windows)
    # the other departments: one audited and reviewed, one audited and not yet reviewed
    justice, health = (
        services.of_agency(Agency.objects.get(code="STP")),
        services.of_agency(Agency.objects.get(code="SYT")),
    )
    assert justice.in_order and not justice.audit_overdue and not justice.review_overdue
    assert not health.audit_overdue and health.last_review is None and health.review_overdue
