from django.core.management.base import BaseCommand

from documents import services, tasks
from documents.models import DocumentVersion


class Command(BaseCommand):
    help = (
        "Render the stored preview of every DOCX version that has none for its current file (versions uploaded "
        "before previews were stored). Here and now by default; --enqueue leaves the work to the task worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="queue one task per version for the worker")

    def handle(self, *args, **options):
        if not options["enqueue"]:
            count = services.render_missing_previews()
            self.stdout.write(f"Rendered {count} preview(s).")
            return
        queued = 0
        for version in DocumentVersion.objects.filter(file_kind="docx").exclude(file="").order_by("pk"):
            queued += tasks.start_preview(version)
        self.stdout.write(f"Queued {queued} preview(s).")
