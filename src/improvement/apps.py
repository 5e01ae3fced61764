from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = _("Duy trì và cải tiến")

    def ready(self):
        from django.db.models.signals import post_save

        from organizations.models import Province

        from .services.risks import on_province_saved

        post_save.connect(on_province_saved, sender=Province, dispatch_uid="improvement.seed_risk_levels")
