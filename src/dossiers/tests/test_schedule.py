import datetime as dt

import pytest
from django.utils import timezone

from core.tests.scheduling import fire_times, job_for, tick
from dossiers import services
from dossiers.models import DossierWarning
from dossiers.tasks import warn_due_dossiers

from .conftest import receive_row


def test_early_warnings_are_scheduled_every_half_hour_in_office_hours():
    times = fire_times(job_for(warn_due_dossiers), dt.date(2026, 3, 2))
    assert times[:3] == ["07:00", "07:30", "08:00"] and times[-1] == "17:30"
    assert len(times) == 22


@pytest.mark.django_db
def test_a_scheduler_tick_enqueues_the_warnings_once(catalog, province, users, monkeypatch):
    services.push_event(
        province["agencies"]["land"], receive_row("OLD", at=timezone.now() - dt.timedelta(days=40), to_username="staff")
    )
    assert tick(job_for(warn_due_dossiers), monkeypatch) == ["dossiers.tasks.warn_due_dossiers"]
    warning = DossierWarning.objects.get()  # the test backend ran the task at once
    assert warning.kind == "late" and warning.user.username == "staff"
