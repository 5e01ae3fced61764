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
