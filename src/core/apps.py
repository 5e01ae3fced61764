from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Nền tảng chung")

    def ready(self):
        from . import lookups, signals  # noqa: F401  (field__any; audit trail and calendar cache hooks)
