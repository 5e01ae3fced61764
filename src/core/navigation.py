"""The side menu: each app lists its entries in `<app>/navigation.py` as MENU; shown by permission."""

from functools import cache

from django.apps import apps
from django.urls import reverse
from django.utils.module_loading import import_string


@cache
def menu_entries():
    entries = []
    for config in apps.get_app_configs():
        try:
            entries.extend(import_string(f"{config.name}.navigation.MENU"))
        except ImportError:
            continue
    return sorted(entries, key=lambda entry: entry.get("order", 100))


def menu_for(request):
    user = request.user
    items = []
    for entry in menu_entries():
        if entry.get("perm") and not user.has_perm(entry["perm"]):
            continue
        url = reverse(entry["url"])
        items.append({**entry, "href": url, "active": request.path.startswith(url) and url != "/"})
    return items
