from django.core.management.base import BaseCommand

from documents.tasks import send_review_reminders


class Command(BaseCommand):
    help = (
        "Queue the reminder task now: documents past their review date or flagged for an update (manage.py "
        "crontask queues it daily, settings.EISO['DOCUMENT_REMINDER_SCHEDULE']; the task worker sends them)."
    )

    def handle(self, *args, **options):
        result = send_review_reminders.enqueue()
        self.stdout.write(f"Queued {result.id} ({result.status}).")
