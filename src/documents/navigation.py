from django.utils.translation import gettext_lazy as _

MENU = [
    {
        "label": _("Tài liệu HTQLCL"),
        "url": "documents:document_list",
        "icon": "file-earmark-text",
        "perm": "documents.view_document",
        "order": 20,
    },
    {
        "label": _("Danh mục tài liệu hiệu lực"),
        "url": "documents:in_force",
        "icon": "list-check",
        "perm": "documents.view_document",
        "order": 21,
    },
    {
        "label": _("Tài liệu cần xem xét"),
        "url": "documents:needs_review",
        "icon": "clock-history",
        "perm": "documents.change_document",
        "order": 22,
    },
    {
        "label": _("Hồ sơ ISO"),
        "url": "documents:records",
        "icon": "archive",
        "perm": "documents.view_recordtype",
        "order": 23,
    },
    {
        "label": _("Mô hình HTQLCL"),
        "url": "documents:template_list",
        "icon": "collection",
        "perm": "documents.view_qmstemplate",
        "order": 24,
    },
]
