"""Background work of document control (the database worker runs it). Tasks call services; services never import
tasks: whoever stores a file enqueues its preview (`start_preview`)."""

from django.tasks import task

from core.audit import acting_as
from core.schedule import periodic

from . import services


@periodic("DOCUMENT_REMINDER_SCHEDULE")  # daily at 07:00 by default
@task()
def send_review_reminders():
    """Daily: in-app reminders to the owners of documents due for review or needing an update."""
    with acting_as(None):
        return services.send_review_reminders()


@task()
def render_preview(version_id):
    """The stored HTML preview of a version's DOCX, converted once (never on a page request)."""
    services.render_preview(version_id)


def start_preview(version):
    """Enqueue the preview of the version's DOCX unless it is stored or on its way already (first need, a new
    upload). The database backend stores the task in the current transaction: the worker sees it on commit."""
    if services.request_preview(version):
        render_preview.enqueue(version.pk)
        return True
    return False
