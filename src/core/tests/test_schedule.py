import datetime as dt

import pytest
from crontask import scheduler
from django.tasks import task
from django.tasks.signals import task_enqueued
from django.utils import timezone

from core import schedule

from .scheduling import fire_times, job_for

RUNS = []


@task()
def ping():
    RUNS.append("ping")
    return "pong"


@pytest.fixture
def ping_schedule(settings):
    """Declare `ping` as periodic under a setting; the job is removed afterwards (the scheduler is global)."""

    def declare(value):
        settings.EISO = {**settings.EISO, "PING_SCHEDULE": value}
        schedule.periodic("PING_SCHEDULE")(ping)
        return [job for job in scheduler.get_jobs() if job.name == "ping"]

    RUNS.clear()
    yield declare
    for job in scheduler.get_jobs():
        if job.name == "ping":
            scheduler.remove_job(job.id)


def test_a_schedule_is_a_crontab_line_in_local_time(ping_schedule):
    ping_schedule("0 7 * * Mon-Fri")
    job = job_for(ping)
    assert str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"
    friday = timezone.make_aware(dt.datetime(2026, 3, 6, 7, 0, 1))
    assert job.trigger.get_next_fire_time(None, friday) == timezone.make_aware(dt.datetime(2026, 3, 9, 7, 0))
    assert fire_times(job, dt.date(2026, 3, 9)) == ["07:00"]
    assert fire_times(job, dt.date(2026, 3, 7)) == []  # Saturday


def test_an_empty_setting_schedules_nothing(ping_schedule):
    assert ping_schedule("") == []


def test_day_of_week_numbers_are_refused(ping_schedule):
    # APScheduler counts 0 as Monday, cron as Sunday: crontask accepts names only.
    with pytest.raises(ValueError, match="literal day of week"):
        ping_schedule("0 7 * * 1-5")


def test_a_tick_enqueues_the_task_once_between_fresh_connections(ping_schedule, monkeypatch):
    ping_schedule("*/30 7-17 * * *")
    job = job_for(ping)
    events = []
    monkeypatch.setattr(schedule, "close_old_connections", lambda: events.append("recycle connections"))

    def record(sender, task_result, **kwargs):
        events.append(f"enqueue {task_result.task.name}")

    task_enqueued.connect(record)
    try:
        result = job.func(*job.args, **job.kwargs)
    finally:
        task_enqueued.disconnect(record)
    assert events == ["recycle connections", "enqueue ping", "recycle connections"]
    assert result.return_value == "pong" and RUNS == ["ping"]  # the test backend runs it at once
