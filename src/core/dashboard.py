"""Home page panels. Each app may define `<app>.dashboard.panels(request)` returning a list of
(template_name, context) pairs for the current user; the home page shows them in app order."""

from django.apps import apps
from django.utils.module_loading import import_string


def collect_panels(request):
    panels = []
    for config in apps.get_app_configs():
        if config.name == "core":
            continue
        try:
            provider = import_string(f"{config.name}.dashboard.panels")
        except ImportError:
            continue
        for template, context in provider(request):
            panels.append({"template": template, "context": context})
    return panels
