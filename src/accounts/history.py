"""Account changes in the hash-chained audit trail.

`User` extends Django's `AbstractUser`, so it cannot simply inherit `core.audit.AuditedModel`, and the generic diff
would store ids (agency #12) and role codes. Instead every save of a user, from the app's services, the admin or a
shell, goes through `on_user_saved`: the fields of `AUDITED_FIELDS` that changed are written with readable values
(the agency's name, the role's label, in Vietnamese, as they were at the time of the change) to the chain of the
user's agency. A password change is written as an event without any value; `last_login` is not audited.
A move to another agency also leaves an event on the agency the person left, so its own history shows it.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from core import audit
from core.models import AuditEntry

from .models import AUDITED_FIELDS


def snapshot(user):
    """Raw values of the audited fields (plus the password hash, to notice a change), as loaded or saved."""
    deferred = user.get_deferred_fields()
    values = {name: getattr(user, name) for name in AUDITED_FIELDS if name not in deferred}
    if "password" not in deferred:
        values["password"] = user.password
    return values


def _agency_names(ids):
    from organizations.models import Agency

    ids = {i for i in ids if i}
    return dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name")) if ids else {}


def readable_changes(before, after):
    """{field: [before, after]} of the audited fields that changed, with names and labels instead of ids and codes.

    The keys are the model's field names ("agency", not "agency_id"), so the audit views show their verbose names.
    """
    from .roles import Role

    changed = [name for name in AUDITED_FIELDS if name in after and before.get(name) != after[name]]
    if not changed:
        return {}
    names = _agency_names([before.get("agency_id"), after.get("agency_id")]) if "agency_id" in changed else {}
    roles = dict(Role.choices)

    def show(name, value):
        if value in (None, ""):
            return None if value is None else ""
        if name == "agency_id":
            return names.get(value, f"#{value}")
        if name == "role":
            return str(roles.get(value, value))
        return value

    with translation.override(settings.LANGUAGE_CODE):  # the trail is written in the official language
        return {name.removesuffix("_id"): [show(name, before.get(name)), show(name, after[name])] for name in changed}


def on_user_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if raw:
        return
    after = snapshot(instance)
    before = {} if created else getattr(instance, "_audit_before", None)
    if before is None:
        # Saved without having been loaded (e.g. built with a known pk): only what was saved can be compared.
        before = {}
    if update_fields is not None:  # only what was written: in-memory changes of other fields are not saved
        after = {
            name: value
            for name, value in after.items()
            if name in update_fields or name.removesuffix("_id") in update_fields
        }
    if not created:
        after = {name: value for name, value in after.items() if name in before}
    changes = readable_changes(before, after)
    if created:
        changes = {name: values for name, values in changes.items() if values[1] not in ("", None, False)}
    with translation.override(settings.LANGUAGE_CODE):
        comment = str(getattr(instance, "_audit_comment", "") or "")
        if created:
            audit.record(instance, AuditEntry.Action.CREATE, changes, comment=comment)
        else:
            if changes:
                audit.record(instance, AuditEntry.Action.UPDATE, changes, comment=comment)
            if "password" in before and "password" in after and before["password"] != after["password"]:
                audit.record(
                    instance,
                    AuditEntry.Action.EVENT,
                    {},
                    comment=str(getattr(instance, "_audit_password_comment", "") or _("Đổi mật khẩu")),
                )
            if "agency" in changes and before.get("agency_id"):
                _record_departure(instance, before["agency_id"], changes["agency"][1])
    instance._audit_before = {**before, **after}
    instance._audit_comment = ""
    instance._audit_password_comment = ""


def _record_departure(user, agency_id, new_agency_name):
    """An event on the agency the user left, so that agency's own history (and audit log) shows the move."""
    from organizations.models import Agency

    old = Agency.objects.filter(pk=agency_id).first()
    if old is None:
        return
    audit.record(
        old,
        AuditEntry.Action.EVENT,
        {},
        comment=_("Người dùng %(user)s (%(username)s) chuyển sang %(agency)s")
        % {"user": user, "username": user.username, "agency": new_agency_name or "—"},
    )
