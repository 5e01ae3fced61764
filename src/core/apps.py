from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_audit_guard(using="default", **kwargs):
    """After every migrate: a migration that rebuilt the audit table on SQLite dropped its triggers."""
    from . import dbguard

    dbguard.ensure(connections[using])


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Nền tảng chung")

    def ready(self):
        from . import lookups, signals  # noqa: F401  (field__any; audit trail and calendar cache hooks)

        post_migrate.connect(ensure_audit_guard, sender=self, dispatch_uid="eiso_audit_guard")
