from pathlib import Path

from django.core.management.base import BaseCommand

from core.backup import backup


class Command(BaseCommand):
    help = (
        "Back up the database (consistent at one moment: SQLite's online backup, pg_dump's custom format on "
        "PostgreSQL) and the uploaded files into a new folder under --to, with a manifest of row counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", default="var/backups", help="folder the backup folder is made in")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        folder = backup(Path(options["to"]), options["database"])
        self.stdout.write(self.style.SUCCESS(f"Backup written to {folder}"))
