from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Kiểm soát tài liệu")

    def ready(self):
        from procedures.signals import procedure_changed

        from .services import on_procedure_changed

        procedure_changed.connect(on_procedure_changed, dispatch_uid="documents.on_procedure_changed")
