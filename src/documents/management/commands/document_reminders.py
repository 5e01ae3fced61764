from django.core.management.base import BaseCommand

from documents.tasks import send_review_reminders


class Command(BaseCommand):
    help = ("Queue the daily reminder task: documents past their review date or flagged for an update "
            "(run from cron; the task worker sends the in-app notifications).")

    def handle(self, *args, **options):
        result = send_review_reminders.enqueue()
        self.stdout.write(f"Queued {result.id} ({result.status}).")
