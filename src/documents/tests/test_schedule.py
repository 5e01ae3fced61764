import datetime as dt

import pytest

from core.tests.scheduling import fire_times, job_for, tick
from documents import tasks
from documents.models import Notification


def test_review_reminders_are_scheduled_daily_at_seven():
    job = job_for(tasks.send_review_reminders)
    assert fire_times(job, dt.date(2026, 3, 2)) == ["07:00"]
    assert fire_times(job, dt.date(2026, 3, 8)) == ["07:00"]  # a Sunday too: reminders wait in the inbox


@pytest.mark.django_db
def test_a_scheduler_tick_enqueues_the_reminders_once(make_document, issue, secretary, monkeypatch):
    document = make_document(code="QT-OLD")
    issue(document.versions.get(), effective_date=dt.date(2020, 1, 1))
    assert tick(job_for(tasks.send_review_reminders), monkeypatch) == ["documents.tasks.send_review_reminders"]
    assert Notification.objects.filter(user=secretary, document=document, kind="review_due").count() == 1
