from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.models import AuditEntry

register = template.Library()


@register.inclusion_tag("core/_history.html")
def audit_history(obj, limit=20):
    """The latest audit entries of an object, with a link to its whole history."""
    ct = ContentType.objects.get_for_model(obj)
    entries = AuditEntry.objects.filter(content_type=ct, object_id=str(obj.pk)).select_related("content_type")
    return {
        "entries": entries[:limit],
        "more": entries.count() > limit,
        "history_url": reverse("core:object_history", args=[ct.pk, obj.pk]),
    }


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def query_string(context, **changes):
    """The current query string with some parameters replaced (for pagination and filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + params.urlencode() if params else "?"
