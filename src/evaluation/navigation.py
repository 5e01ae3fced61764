from django.utils.translation import gettext_lazy as _

MENU = [
    {
        "label": _("Đánh giá nội bộ"),
        "url": "evaluation:audit_list",
        "icon": "clipboard-check",
        "perm": "evaluation.view_auditplan",
        "order": 60,
    },
    {
        "label": _("Xem xét của lãnh đạo"),
        "url": "evaluation:review_list",
        "icon": "people",
        "perm": "evaluation.view_managementreview",
        "order": 61,
    },
]
