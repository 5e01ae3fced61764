from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_search_index(sender, using="default", **kwargs):
    from django.db import connections

    from . import search_index

    search_index.ensure(connections[using])


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Hồ sơ thủ tục hành chính")

    def ready(self):
        # SQLite's schema editor rebuilds a table to alter it, dropping its triggers: the search index's come back.
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="dossiers.search_index")
