from django.tasks import task

from core.audit import acting_as
from core.schedule import periodic


@periodic("DOCUMENT_REMINDER_SCHEDULE")  # daily at 07:00 by default
@task()
def send_review_reminders():
    """Daily: in-app reminders to the owners of documents due for review or needing an update."""
    from .services import send_review_reminders as send

    with acting_as(None):
        return send()
