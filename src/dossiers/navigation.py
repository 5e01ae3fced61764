from django.utils.translation import gettext_lazy as _

MENU = [
    {
        "label": _("Hồ sơ TTHC"),
        "url": "dossiers:list",
        "icon": "folder2-open",
        "perm": "dossiers.view_dossier",
        "order": 41,
    },
    {
        "label": _("Nhập hồ sơ từ một cửa"),
        "url": "dossiers:import_list",
        "icon": "cloud-upload",
        "perm": "dossiers.add_importjob",
        "order": 42,
    },
    {
        "label": _("Khóa tích hợp một cửa"),
        "url": "dossiers:tokens",
        "icon": "key",
        "perm": "dossiers.add_integrationtoken",
        "order": 44,
    },
    {
        "label": _("Phân tích đúng hạn"),
        "url": "dossiers:analytics",
        "icon": "bar-chart-line",
        "perm": "dossiers.view_analytics",
        "order": 43,
    },
]
