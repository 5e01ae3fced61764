import time

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils.module_loading import import_string

from core.audit import acting_as


class Command(BaseCommand):
    help = "Load the demo province: each app's demo.load(ctx), in INSTALLED_APPS order."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if agencies already exist.")
        parser.add_argument("--province", default=settings.EISO["DEMO_PROVINCE_CODE"])

    def handle(self, *args, if_empty=False, province=None, **options):
        from organizations.models import Agency

        if if_empty and Agency.objects.exists():
            self.stdout.write("Demo data already loaded.")
            return
        ctx = {"province_code": province, "stdout": self.stdout}
        with acting_as(None):
            for config in apps.get_app_configs():
                try:
                    loader = import_string(f"{config.name}.demo.load")
                except ImportError:
                    continue
                started = time.monotonic()
                with transaction.atomic():
                    loader(ctx)
                    if connection.vendor == "postgresql":
                        # Fresh statistics for what was just bulk-loaded: the next loaders query it,
                        # and stale statistics (tables seen nearly empty) give nested-loop plans.
                        with connection.cursor() as cursor:
                            cursor.execute("ANALYZE")
                self.stdout.write(f"  demo {config.label}: {time.monotonic() - started:.1f} s")
        self.stdout.write(self.style.SUCCESS(f"Demo province loaded: {ctx['province']}"))
