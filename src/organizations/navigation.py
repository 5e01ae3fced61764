from django.utils.translation import gettext_lazy as _

MENU = [
    {
        "label": _("Cơ quan, đơn vị"),
        "url": "organizations:agency_list",
        "icon": "diagram-3",
        "perm": "organizations.view_agency",
        "order": 10,
    },
]
