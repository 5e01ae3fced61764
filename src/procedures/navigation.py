from django.utils.translation import gettext_lazy as _

MENU = [
    {
        "label": _("Thủ tục hành chính"),
        "url": "procedures:catalog",
        "icon": "list-check",
        "perm": "procedures.view_adminprocedure",
        "order": 40,
    },
]
