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


def _related_name(field, value):
    """The related object as its name ("Nguyễn Văn An", not #2); the id when it no longer exists."""
    related = field.related_model._default_manager.filter(pk=value).first()
    return str(related) if related is not None else f"#{value}"


def _display(field, value):
    """A stored audit value as an official reads it: choice labels, dd/mm/yyyy, Có/Không, names of related rows."""
    import datetime as dt

    from django.utils.translation import gettext as _

    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):  # a JSON list (the five whys of a nonconformity): its items in order
        return " / ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if field is None:
        return value
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, str) and field.get_internal_type() in ("DateField", "DateTimeField"):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if field.get_internal_type() == "DateField":
            return parsed.strftime("%d/%m/%Y")
        from django.utils import timezone

        if timezone.is_aware(parsed):
            parsed = timezone.localtime(parsed)
        return parsed.strftime("%d/%m/%Y %H:%M")
    if field.is_relation:
        # a name stored at the time (the user's agency), or an id: the related row by its name
        return value if isinstance(value, str) else _related_name(field, value)
    return value


@register.filter
def audit_changes(entry):
    """[(label, before, after)] for an audit entry, with the fields' verbose names. Keys that are not fields (the
    facts of a workflow event) take their label from the model's `audit_labels` and their value from its
    `audit_value(entry, name, value)` when it has one."""
    model = entry.content_type.model_class()
    # by attname ("agency_id": an id) and by name ("agency": what some models store, the agency's name)
    fields = {key: f for f in model._meta.concrete_fields for key in (f.name, f.attname)} if model else {}
    labels = getattr(model, "audit_labels", {})
    value_of = getattr(model, "audit_value", None)
    rows = []
    for name, values in (entry.changes or {}).items():
        before, after = (values + [None, None])[:2] if isinstance(values, list) else (None, values)
        field = fields.get(name)
        label = str(labels.get(name) or (field.verbose_name if field is not None else name.replace("_", " ")))
        if field is None and value_of is not None:
            shown = [value_of(entry, name, v) if v not in (None, "") else "—" for v in (before, after)]
        else:
            shown = [_display(field, before), _display(field, after)]
        rows.append((label[:1].upper() + label[1:], *shown))
    return rows
