from django.core.management.base import BaseCommand, CommandError

from core.audit import verify_chain
from core.models import AuditChainHead, AuditEntry


class Command(BaseCommand):
    help = "Recompute the hash chains of the audit trail; fails if any entry was altered, removed or inserted."

    def handle(self, *args, **options):
        chains = set(AuditChainHead.objects.values_list("chain", flat=True))
        chains |= set(AuditEntry.objects.values_list("chain", flat=True).distinct())
        problems = []
        for chain in sorted(chains):
            problems += verify_chain(chain)
        total = AuditEntry.objects.count()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"Audit trail damaged: {len(problems)} problem(s) in {total} entries.")
        self.stdout.write(self.style.SUCCESS(f"Audit trail intact: {total} entries in {len(chains)} chain(s)."))
