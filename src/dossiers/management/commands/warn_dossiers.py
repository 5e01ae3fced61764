from django.core.management.base import BaseCommand

from dossiers.tasks import warn_due_dossiers


class Command(BaseCommand):
    help = (
        "Enqueue the early-warning task for dossiers about to be late now (manage.py crontask enqueues it "
        "on the schedule settings.EISO['DOSSIER_WARN_SCHEDULE'])."
    )

    def handle(self, *args, **options):
        result = warn_due_dossiers.enqueue()
        self.stdout.write(f"Enqueued {result.id} ({result.status}).")
