from django.core.management.base import BaseCommand

from accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from accounts.models import User


class Command(BaseCommand):
    help = "Print the demo accounts (one per role) and their password."

    def handle(self, *args, **options):
        existing = {u.username: u for u in User.objects.select_related("agency")}
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for username, role, *_ in DEMO_ACCOUNTS:
            user = existing.get(username)
            if user:
                self.stdout.write(f"  {username:<10} {role.label:<22} {user.agency}")
        if "admin" in existing:
            self.stdout.write(f"  {'admin':<10} {'Quản trị hệ thống':<22} /admin/")
