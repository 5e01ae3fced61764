"""Test helpers for periodic tasks (core.schedule): find a task's job, list its times, run one tick."""

import datetime as dt

from crontask import scheduler
from django.tasks.signals import task_enqueued
from django.utils import timezone

from core import schedule


def job_for(task):
    """The scheduler's job for `task` (jobs are registered when the app's tasks.py is imported)."""
    jobs = [job for job in scheduler.get_jobs() if job.name == task.name]
    assert len(jobs) == 1, f"{task.name} is scheduled {len(jobs)} times"
    return jobs[0]


def fire_times(job, day):
    """The local times at which `job` enqueues its task on `day` (a date)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time()))
    end = start + dt.timedelta(days=1)
    times, at = [], job.trigger.get_next_fire_time(None, start)
    while at < end:
        times.append(timezone.localtime(at).strftime("%H:%M"))
        at = job.trigger.get_next_fire_time(at, at + dt.timedelta(seconds=1))
    return times


def tick(job, monkeypatch):
    """Run one scheduler tick of `job`; returns the module paths of the tasks it enqueued."""
    # Tests run inside a transaction, which recycling the connection would abort; tested in core.
    monkeypatch.setattr(schedule, "close_old_connections", lambda: None)
    enqueued = []

    def record(sender, task_result, **kwargs):
        enqueued.append(task_result.task.module_path)

    task_enqueued.connect(record)
    try:
        job.func(*job.args, **job.kwargs)
    finally:
        task_enqueued.disconnect(record)
    return enqueued
