"""Account management: create, change, move, deactivate/reactivate, reset a password; login security: the second
factor (TOTP) and the login lock (an administrator's unlock, a lost phone's reset).

Each service checks the actor's right through `accounts.permissions` (PermissionDenied when the account is outside
their scope), validates its input (ValidationError naming the field, nothing changed) and runs in one transaction.
The audit trail is written by `accounts.history` on every save, with the actor as the author.
"""

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import audit
from core.models import AuditEntry

from . import permissions
from .models import User
from .roles import Role

if TYPE_CHECKING:
    from axes.models import AccessAttempt
    from django.db.models import QuerySet

    from organizations.models import Agency

EDITABLE_FIELDS = ("last_name", "first_name", "email", "role", "unit", "position", "agency")


def _require_manage(actor: User, target: User) -> None:
    if not permissions.can_manage_user(actor, target):
        raise PermissionDenied(_("Bạn không có quyền quản lý tài khoản này."))


def _check_role(actor: User, role: str) -> None:
    if role not in permissions.assignable_roles(actor):
        allowed = ", ".join(str(r.label) for r in permissions.assignable_roles(actor))
        raise ValidationError(
            {
                "role": _("Vai trò “%(role)s” không được gán ở đây; chỉ được gán: %(allowed)s.")
                % {"role": Role(role).label if role in Role.values else role, "allowed": allowed}
            }
        )


def _check_agency(actor: User, agency: "Agency | None", current: "Agency | None" = None) -> None:
    if agency is None:
        raise ValidationError({"agency": _("Cơ quan: bắt buộc chọn cơ quan của người dùng.")})
    if current is not None and agency.pk == current.pk:
        return
    if not permissions.assignable_agencies(actor).filter(pk=agency.pk).exists():
        if current is not None and not actor.is_superuser and not actor.has_perm("accounts.move_user"):
            raise ValidationError(
                {
                    "agency": _(
                        "Cơ quan: chỉ Sở KH&CN chuyển người dùng sang cơ quan khác; "
                        "khi người này nghỉ việc hoặc chuyển đi, hãy ngừng kích hoạt tài "
                        "khoản."
                    )
                }
            )
        raise ValidationError(
            {
                "agency": _("Cơ quan: “%(agency)s” không thuộc phạm vi bạn quản lý hoặc không còn hoạt động.")
                % {"agency": agency}
            }
        )


def _check_text(data: Mapping[str, Any]) -> None:
    errors = {}
    if not (data.get("last_name") or "").strip() and not (data.get("first_name") or "").strip():
        errors["first_name"] = _("Họ và tên: cần nhập ít nhất họ hoặc tên.")
    email = (data.get("email") or "").strip()
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = _("Thư điện tử: “%(email)s” không phải là địa chỉ hợp lệ.") % {"email": email}
    if errors:
        raise ValidationError(errors)


def _check_password(password: str, user: User) -> None:
    if not password:
        raise ValidationError({"password": _("Mật khẩu: bắt buộc nhập.")})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


def create_user(
    actor: User,
    *,
    username: str,
    password: str,
    agency: "Agency | None",
    role: str = Role.STAFF,
    last_name: str = "",
    first_name: str = "",
    email: str = "",
    unit: str = "",
    position: str = "",
) -> User:
    """A new account in an agency the actor manages, with an agency role."""
    if not actor.has_perm("accounts.add_user"):
        raise PermissionDenied(_("Bạn không có quyền tạo tài khoản."))
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("Tên đăng nhập: bắt buộc nhập.")})
    username_field = User._meta.get_field("username")
    try:
        username_field.run_validators(username)
    except ValidationError as exc:
        raise ValidationError(
            {"username": [_("Tên đăng nhập: %(reason)s") % {"reason": m} for m in exc.messages]}
        ) from None
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {"username": _("Tên đăng nhập “%(username)s” đã có người dùng.") % {"username": username}}
        )
    data = {"last_name": last_name, "first_name": first_name, "email": email}
    _check_text(data)
    _check_role(actor, role)
    _check_agency(actor, agency)
    user = User(
        username=username,
        agency=agency,
        role=role,
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        email=email.strip(),
        unit=unit.strip(),
        position=position.strip(),
    )
    _check_password(password, user)
    user.set_password(password)
    with transaction.atomic(), audit.acting_as(actor):
        user.save()
    return user


def update_user(actor: User, target: User, *, comment: str = "", **changes: Any) -> User:
    """Change an account's names, e-mail, role, unit, position or agency (a move keeps the same account).

    Only the given fields change. Moving to another agency needs `accounts.move_user` (the oversight officer,
    within the province); nobody changes their own role or agency.
    """
    _require_manage(actor, target)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"update_user() cannot change {', '.join(sorted(unknown))}")
    changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    merged = {name: getattr(target, name) for name in EDITABLE_FIELDS} | changes
    _check_text(merged)
    own = actor.pk == target.pk
    if "role" in changes and changes["role"] != target.role:
        if own:
            raise ValidationError({"role": _("Vai trò: bạn không thể tự thay đổi vai trò của mình.")})
        _check_role(actor, changes["role"])
    if "agency" in changes and changes["agency"] != target.agency:
        if own:
            raise ValidationError({"agency": _("Cơ quan: bạn không thể tự chuyển mình sang cơ quan khác.")})
        _check_agency(actor, changes["agency"], current=target.agency)
    for name, value in changes.items():
        setattr(target, name, value)
    target._audit_comment = comment
    with transaction.atomic(), audit.acting_as(actor):
        target.save()
    return target


def move_user(actor: User, target: User, agency: "Agency", *, comment: str = "") -> User:
    """Move a person to another agency: the same User row (their history stays theirs), the move audited."""
    return update_user(actor, target, agency=agency, comment=comment)


def set_active(actor: User, target: User, active: bool, *, comment: str = "") -> User:
    """Deactivate (the person can no longer log in; nothing is deleted) or reactivate an account."""
    _require_manage(actor, target)
    if actor.pk == target.pk:
        raise ValidationError({"is_active": _("Bạn không thể tự ngừng kích hoạt tài khoản của mình.")})
    if target.is_active == active:
        return target
    if active and (target.agency is None or not target.agency.is_active):
        raise ValidationError(
            {
                "is_active": _(
                    "Không thể kích hoạt lại: cơ quan của người dùng không còn hoạt động; "
                    "hãy chuyển người dùng sang cơ quan mới trước."
                )
            }
        )
    target.is_active = active
    target._audit_comment = comment
    with transaction.atomic(), audit.acting_as(actor):
        target.save()
    return target


def set_password(actor: User, target: User, password: str) -> User:
    """An administrator sets a new password for the account (Django's password validators apply)."""
    _require_manage(actor, target)
    _check_password(password, target)
    target.set_password(password)
    target._audit_password_comment = gettext_lazy("Đặt lại mật khẩu bởi người quản lý tài khoản")
    with transaction.atomic(), audit.acting_as(actor):
        target.save()
    return target


# -- the second factor (TOTP, django-otp) ------------------------------------------------------------------------
# One TOTP device per account: created unconfirmed when the user opens the enrolment page, confirmed by a first code.
# Codes are checked by django-otp (`verify_token`: a code once, a drift of one step, wrong codes throttled on the
# device: 1 s, 2 s, 4 s, … after successive failures). A wrong code's throttle count is committed even though the
# service then refuses: the check runs in django-otp's own transaction, never inside one that the refusal undoes.
def second_factor_required(user: User) -> bool:
    """Whether EISO_OTP_REQUIRED requires a second factor of `user`: by role, or as an administrator (staff and
    superusers, listed as "admin")."""
    required = settings.EISO.get("OTP_REQUIRED", ())
    return user.role in required or ("admin" in required and (user.is_staff or user.is_superuser))


def second_factor_device(user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if any."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def _audit_comment(message: str, reason: str = "") -> str:
    with translation.override(settings.LANGUAGE_CODE):  # the trail is written in the official language
        text = str(message)
        return f"{text}: {reason.strip()}" if reason.strip() else text


def start_enrolment(user: User) -> TOTPDevice:
    """The unconfirmed device the enrolment page shows (its key as a QR code and as text): the same one on every
    visit until it is confirmed. Refused when the user already has a confirmed device (turn it off first)."""
    if has_second_factor(user):
        raise ValidationError(_("Tài khoản đã bật xác thực hai bước."))
    with transaction.atomic():
        device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), confirmed=False)
    return device


def _check_token(user: User, device: TOTPDevice, token: str) -> None:
    """Raise ValidationError (on the `token` field) unless `token` is the device's current code."""
    from django_otp import verify_token

    token = "".join((token or "").split())
    if not (token.isdigit() and len(token) == device.digits):
        message = _("Mã xác thực: nhập %(digits)s chữ số mà ứng dụng xác thực hiển thị.")
        raise ValidationError({"token": message % {"digits": device.digits}})
    allowed, data = device.verify_is_allowed()
    if not allowed:
        until = (data or {}).get("locked_until") or timezone.now()
        seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
        raise ValidationError(
            {"token": _("Nhập sai mã quá nhiều lần: hãy chờ %(seconds)s giây rồi thử lại.") % {"seconds": seconds}}
        )
    if verify_token(user, device.persistent_id, token) is None:
        raise ValidationError(
            {
                "token": _(
                    "Mã xác thực không đúng hoặc đã hết hạn. Hãy nhập mã đang hiển thị trên ứng dụng xác thực "
                    "(giờ của điện thoại phải đúng)."
                )
            }
        )


def confirm_enrolment(user: User, token: str) -> TOTPDevice:
    """Confirm the enrolment with the first code from the app: the device is confirmed, the event audited. The
    caller marks the session verified (`django_otp.login`)."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    if device is None or has_second_factor(user):
        raise ValidationError(_("Không có đăng ký xác thực hai bước nào đang chờ xác nhận; hãy tải lại trang."))
    _check_token(user, device, token)
    with transaction.atomic(), audit.acting_as(user):
        TOTPDevice.objects.devices_for_user(user, confirmed=False).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(user, AuditEntry.Action.EVENT, {}, comment=_audit_comment(gettext_lazy("Bật xác thực hai bước")))
    return device


def verify_second_factor(user: User, token: str) -> TOTPDevice:
    """The device that accepts `token` at login (the caller marks the session verified); ValidationError otherwise."""
    device = second_factor_device(user)
    if device is None:
        raise ValidationError(_("Tài khoản chưa bật xác thực hai bước."))
    _check_token(user, device, token)
    return device


def disable_second_factor(user: User, token: str) -> int:
    """The user turns their own second factor off, with a current code; refused when EISO_OTP_REQUIRED requires it.
    Returns the number of devices removed."""
    if second_factor_required(user):
        raise ValidationError(_("Tài khoản của bạn bắt buộc dùng xác thực hai bước; không thể tắt."))
    device = second_factor_device(user)
    if device is None:
        raise ValidationError(_("Tài khoản chưa bật xác thực hai bước."))
    _check_token(user, device, token)
    with transaction.atomic(), audit.acting_as(user):
        count, _deleted = TOTPDevice.objects.devices_for_user(user).delete()
        audit.record(user, AuditEntry.Action.EVENT, {}, comment=_audit_comment(gettext_lazy("Tắt xác thực hai bước")))
    return count


@audit.atomic_as_user(param="actor")
def reset_second_factor(actor: User, target: User, *, comment: str = "") -> int:
    """An account manager removes the user's second factor (a lost or changed phone): the user logs in with the
    password alone, and enrols again at once if it is required of them. Audited; returns the devices removed."""
    from django_otp import devices_for_user

    _require_manage(actor, target)
    devices = list(devices_for_user(target, confirmed=None))
    if not any(device.confirmed for device in devices):
        raise ValidationError(_("Tài khoản “%(username)s” chưa bật xác thực hai bước.") % {"username": target.username})
    for device in devices:
        device.delete()
    audit.record(
        target,
        AuditEntry.Action.EVENT,
        {},
        comment=_audit_comment(gettext_lazy("Đặt lại xác thực hai bước bởi người quản lý tài khoản"), comment),
    )
    return len(devices)


# -- the login lock (django-axes, database handler) ------------------------------------------------------------
@dataclass(frozen=True)
class LoginLock:
    """Failed logins for one user name within axes' cool-off window, and whether they lock the account."""

    failures: int
    locked: bool
    until: dt.datetime | None


def _recent_attempts(usernames: Iterable[str]) -> "QuerySet[AccessAttempt]":
    from axes.models import AccessAttempt

    threshold = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=threshold)


def login_lock(username: str) -> LoginLock:
    """The failed logins counted against this user name (as axes counts them) and the end of its lock."""
    totals = _recent_attempts([username]).aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    failures = totals["failures"] or 0
    locked = failures >= settings.AXES_FAILURE_LIMIT
    return LoginLock(failures, locked, totals["last"] + settings.AXES_COOLOFF_TIME if locked else None)


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Those of `usernames` that axes locks out now (one query for a page of the user list)."""
    rows = (
        _recent_attempts(usernames)
        .values("username")
        .annotate(failures=Sum("failures_since_start"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}


@audit.atomic_as_user(param="actor")
def unlock_login(actor: User, target: User) -> int:
    """An account manager clears the failed logins counted against the user's name (axes' `reset`), so the user
    logs in again at once. Audited; returns the failures cleared. A lock of a client address stays."""
    from axes.models import AccessAttempt
    from axes.utils import reset

    _require_manage(actor, target)
    attempts = AccessAttempt.objects.filter(username__iexact=target.username)  # also as typed in another case
    failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
    if not failures:
        message = _("Tài khoản “%(username)s” không có lần đăng nhập sai nào cần xóa.")
        raise ValidationError(message % {"username": target.username})
    for username in set(attempts.values_list("username", flat=True)):
        reset(username=username)
    with translation.override(settings.LANGUAGE_CODE):
        comment = _("Mở khóa đăng nhập (xóa %(failures)s lần đăng nhập sai)") % {"failures": failures}
    audit.record(target, AuditEntry.Action.EVENT, {}, comment=comment)
    return failures
