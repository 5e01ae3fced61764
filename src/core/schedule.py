"""Periodic tasks: a crontab schedule declared next to the task, its value read from settings.EISO.

    @periodic("DOSSIER_WARN_SCHEDULE")
    @task()
    def warn_due_dossiers(): ...

`manage.py crontask` (django-crontask: one APScheduler process) imports every app's `tasks.py`, then
enqueues each scheduled task at its times; the database worker (`manage.py db_worker`) runs it. The
setting is a crontab line in local time (TIME_ZONE) with the day of week by name (Mon…Sun; crontask
refuses numbers, which APScheduler would count from Monday); an empty value leaves the task unscheduled.

Run one scheduler per deployment: without a Redis lock (CRONTASK["REDIS_URL"]) a second one would
enqueue every task twice. The periodic tasks are idempotent (a warning or reminder is written once),
so that costs a run, not a duplicate notification. A tick missed while no scheduler runs is not caught
up: the next one does the work.
"""

from crontask import cron
from django.conf import settings
from django.db import close_old_connections


class _Enqueue:
    """What the scheduler calls for a task: its enqueue, between fresh database connections.

    APScheduler runs jobs in long-lived pool threads and Django recycles connections only around
    requests, so a connection dropped by a database restart would otherwise fail every later tick.
    crontask's `cron` reads `name` and calls `enqueue()` (Sentry monitoring off); a test guards that.
    """

    def __init__(self, task):
        self.task = task
        self.name = task.name

    def enqueue(self):
        close_old_connections()
        try:
            return self.task.enqueue()
        finally:
            close_old_connections()


def periodic(setting):
    """Schedule the decorated task at the crontab line settings.EISO[setting] (empty: not scheduled)."""

    def decorator(task):
        if schedule := settings.EISO.get(setting):
            cron(schedule, sentry_monitor_config=None)(_Enqueue(task))
        return task

    return decorator
