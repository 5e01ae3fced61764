from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Tài khoản và vai trò")

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
        from .history import on_user_saved

        post_save.connect(on_user_saved, sender=self.get_model("User"), dispatch_uid="accounts.history")
