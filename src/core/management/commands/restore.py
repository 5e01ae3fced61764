from pathlib import Path

from django.core.management.base import BaseCommand

from core.anchors import verify_anchors
from core.audit import verify_chain
from core.backup import restore


class Command(BaseCommand):
    help = (
        "Restore a backup folder written by 'backup' into an empty database (migrate nothing first) and the media "
        "folder; checks the row counts against the backup's manifest and the audit trail's hash chains and anchors."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--database", default="default")

    def handle(self, *args, **options):
        manifest = restore(Path(options["folder"]), options["database"])
        problems = [p for chain in manifest["audit_chains"] for p in verify_chain(chain, using=options["database"])]
        # against the anchors too: after a backup older than the last anchor, the entries anchored since are lost
        problems += verify_anchors(options["database"])[0]
        for problem in problems:
            self.stderr.write(problem)
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(f"Restored {rows} rows in {len(manifest['tables'])} tables")
            + (f"; audit trail: {len(problems)} problem(s)" if problems else "; audit trail intact")
        )
