from django.utils.translation import gettext_lazy as _

MENU = [
    {
        "label": _("Mục tiêu chất lượng"),
        "url": "improvement:objective_list",
        "icon": "bullseye",
        "perm": "improvement.view_objective",
        "order": 50,
    },
    {
        "label": _("Rủi ro và cơ hội"),
        "url": "improvement:risk_list",
        "icon": "exclamation-diamond",
        "perm": "improvement.view_risk",
        "order": 51,
    },
    {
        "label": _("Sự không phù hợp"),
        "url": "improvement:nc_list",
        "icon": "clipboard-x",
        "perm": "improvement.view_nonconformity",
        "order": 52,
    },
    {
        "label": _("Hành động khắc phục"),
        "url": "improvement:action_list",
        "icon": "list-task",
        "perm": "improvement.view_correctiveaction",
        "order": 53,
    },
    {
        "label": _("Sự hài lòng"),
        "url": "improvement:satisfaction",
        "icon": "emoji-smile",
        "perm": "improvement.view_surveyresponse",
        "order": 54,
    },
]
