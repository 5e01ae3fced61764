"""The demo's improvement records are what the services make, and its automatic figures equal the records."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from dossiers.models import Dossier
from improvement import services
from improvement.models import CorrectiveAction, LatePattern, Measure, Nonconformity, Objective, Risk, SurveyResponse

pytestmark = pytest.mark.django_db


def test_the_demo_department_runs_its_improvement_cycle(tmp_path):
    call_command("load_demo", stdout=open(tmp_path / "out.txt", "w"))
    from organizations.models import Agency

    agency = Agency.objects.get(code="SNNMT")
    objectives = services.with_status(Objective.objects.filter(agency=agency))
    years = {o.year for o in objectives}
    assert years == {timezone.localdate().year - 1, timezone.localdate().year}
    assert any(o.on_target is False for o in objectives) and any(o.on_target is True for o in objectives)

    # The on-time objective's months equal the dossiers returned that month, counted here from the dossiers.
    on_time = Objective.objects.get(
        agency=agency, year=timezone.localdate().year, measure=Measure.DOSSIERS_ON_TIME, field=None, procedure=None
    )
    measured = list(on_time.measurements.exclude(value=None))
    assert len(measured) >= 6
    for m in measured:
        done = Dossier.objects.filter(
            agency=agency,
            status="returned",
            completed_at__date__gte=m.period_start,
            completed_at__date__lte=m.period_end,
        )
        assert m.value == (Decimal(100) * done.filter(is_late=False).count() / done.count()).quantize(Decimal("0.01"))

    assert Risk.objects.filter(agency=agency).count() >= 5
    assert services.above_acceptable(Risk.objects.filter(agency=agency), services.levels(agency.province))
    closed = Nonconformity.objects.get(agency=agency, status="closed")
    assert not closed.actions.filter(verified_by=F("owner")).exists() and closed.closed_by is not None
    assert CorrectiveAction.objects.filter(nonconformity__agency=agency, done_on=None, due_on__lt=timezone.localdate())
    # The proposals of the nightly task's first run (this month and the last), each counting its dossiers; the
    # demo department's largest accepted (when the demo's few thousand test dossiers give it one).
    from improvement.services.nonconformities import _months

    patterns = list(LatePattern.objects.all())
    counts = services.late_pattern_counts(_months(timezone.localdate()))
    assert {(p.agency_id, p.procedure_id, p.step, p.month): p.count for p in patterns} == {
        key: n for key, n in counts.items() if n >= 3
    }
    for pattern in patterns:
        assert pattern.count == services.pattern_dossiers(pattern).count() >= 3
    for accepted in LatePattern.objects.filter(status="accepted"):
        assert accepted.nonconformity.source == "late_dossiers" and accepted.agency == agency
    answers = SurveyResponse.objects.filter(agency=agency)
    assert answers.count() >= 300 and answers.filter(overall__lte=2).exists()
    assert (
        answers.exclude(dossier=None).filter(procedure=F("dossier__procedure")).count()
        == answers.exclude(dossier=None).count()
    )
