from django.utils.translation import gettext_lazy as _

MENU = [
    {
        "label": _("Người dùng"),
        "url": "accounts:user_list",
        "icon": "people",
        "perm": "accounts.change_user",
        "order": 90,
    },
]
