import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.forms import apply_validation_error
from core.http import safe_next
from core.qr import qr_data_uri

from . import permissions, services
from .demo import DEMO_ACCOUNTS
from .forms import ActiveForm, NewUserForm, PasswordResetForm, TokenForm, UserFilterForm, UserForm
from .middleware import second_factor_exempt


class EisoLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The demo accounts are listed on the login page only in the demo set-up (EISO_DEMO, set by ./eiso run).
        context["demo_accounts"] = DEMO_ACCOUNTS if settings.EISO.get("DEMO") else []
        return context


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out account or address: the login page with the reason, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = EisoLoginView.form_class(request)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "locked_minutes": minutes, "next": request.POST.get("next", ""), "demo_accounts": []},
        status=429,
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        messages.success(self.request, gettext_lazy("Đã đổi mật khẩu."))
        return super().form_valid(form)


# -- account management (oversight officer: the province; agency head / ISO secretary: their agency) -------------
MANAGE_DENIED = gettext_lazy("Bạn không có quyền quản lý tài khoản người dùng.")


def _user_for(request, pk):
    """The account, if the user may manage it; a clear 403 otherwise (never another tenant's data)."""
    from .models import User

    target = get_object_or_404(User.objects.select_related("agency", "agency__province"), pk=pk)
    if not permissions.can_manage_user(request.user, target):
        raise PermissionDenied(_("Bạn không có quyền quản lý tài khoản này."))
    return target


def user_list(request):
    permissions.require(request.user, "accounts.change_user", message=MANAGE_DENIED)
    params = request.GET.copy()
    params.setdefault("status", "active")  # deactivated accounts on request (status=inactive or all)
    form = UserFilterForm(params, actor=request.user)
    users = form.filter(permissions.manageable_users(request.user)).order_by("sort_key", "username")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "form": form,
            "page": page,
            "can_add": request.user.has_perm("accounts.add_user"),
            "many_agencies": form.fields["agency"].queryset.count() > 1,
            "locked": services.locked_usernames(u.username for u in page),
        },
    )


def user_detail(request, pk):
    target = _user_for(request, pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "target": target,
            "login_lock": services.login_lock(target.username),
            "has_second_factor": services.has_second_factor(target),
        },
    )


def user_create(request):
    permissions.require(request.user, "accounts.add_user", message=MANAGE_DENIED)
    form = NewUserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "password_confirm"}
        try:
            target = services.create_user(request.user, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã tạo tài khoản “%(username)s”.") % {"username": target.username})
            return redirect(target)
    return render(request, "accounts/user_form.html", {"form": form, "title": _("Thêm người dùng")})


def user_update(request, pk):
    target = _user_for(request, pk)
    form = UserForm(request.POST or None, actor=request.user, instance=target)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        comment = data.pop("comment", "")
        for name in [name for name, field in form.fields.items() if field.disabled]:
            data.pop(name, None)
        try:
            services.update_user(request.user, target, comment=comment, **data)
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã lưu thay đổi."))
            return redirect(target)
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "target": target, "title": _("Sửa tài khoản: %(name)s") % {"name": target}},
    )


def user_password(request, pk):
    target = _user_for(request, pk)
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_password(request.user, target, form.cleaned_data["password"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Đã đặt mật khẩu mới cho “%(username)s”. Hãy báo mật khẩu cho người dùng "
                    "và đề nghị họ đổi mật khẩu khi đăng nhập."
                )
                % {"username": target.username},
            )
            return redirect(target)
    return render(request, "accounts/user_password.html", {"form": form, "target": target})


def user_set_active(request, pk, active):
    """GET: the confirmation page; POST: deactivate or reactivate."""
    target = _user_for(request, pk)
    form = ActiveForm(request.POST if request.method == "POST" else None)  # the reason may be left empty
    if request.method == "POST" and form.is_valid():
        try:
            services.set_active(request.user, target, active, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            done = (
                _("Đã kích hoạt lại tài khoản “%(username)s”.")
                if active
                else _("Đã ngừng kích hoạt tài khoản “%(username)s”.")
            )
            messages.success(request, done % {"username": target.username})
            return redirect(target)
    return render(request, "accounts/user_active.html", {"form": form, "target": target, "active": active})


@require_POST
def user_unlock(request, pk):
    """Clear the failed logins that lock the account (django-axes), at once."""
    target = _user_for(request, pk)
    try:
        failures = services.unlock_login(request.user, target)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Đã mở khóa đăng nhập cho “%(username)s” (xóa %(failures)s lần đăng nhập sai).")
            % {"username": target.username, "failures": failures},
        )
    return redirect(target)


def user_reset_second_factor(request, pk):
    """GET: the confirmation page; POST: remove the user's TOTP device (a lost phone)."""
    target = _user_for(request, pk)
    form = ActiveForm(request.POST if request.method == "POST" else None)
    form.fields["comment"].help_text = _("VD: mất điện thoại, đổi điện thoại.")
    if request.method == "POST" and form.is_valid():
        try:
            services.reset_second_factor(request.user, target, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(
                request,
                _("Đã đặt lại xác thực hai bước cho “%(username)s”: lần đăng nhập tới chỉ cần mật khẩu.")
                % {"username": target.username},
            )
            return redirect(target)
    return render(request, "accounts/user_reset_otp.html", {"form": form, "target": target})


# -- the second factor of one's own account --------------------------------------------------------------------
def _grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _verified(request, device, message):
    from django_otp import login as otp_login

    request.session.cycle_key()  # a new session id for the session that gave its second factor
    otp_login(request, device)
    messages.success(request, message)


def _take_code(request, form, service, message):
    """A posted code of the authenticator app given to `service` (user, code) -> device: on success the session is
    verified and the redirect to `next` returned; otherwise the service's error is put on the form (None)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        device = service(request.user, form.cleaned_data["token"])
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None
    _verified(request, device, message)
    return redirect(safe_next(request, reverse("core:home")))


@second_factor_exempt
def otp_enrol(request):
    """Turn the second factor on: the key as a QR code and as text, confirmed by the first code of the app."""
    if services.has_second_factor(request.user):
        return redirect("accounts:otp_settings")
    device = services.start_enrolment(request.user)
    form = TokenForm(request.POST or None)
    message = _("Đã bật xác thực hai bước: từ nay, sau mật khẩu hãy nhập mã của ứng dụng.")
    if done := _take_code(request, form, services.confirm_enrolment, message):
        return done
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr": qr_data_uri(device.config_url),
            "secret": _grouped(secret),
            "required": services.second_factor_required(request.user),
            "next": safe_next(request, ""),
        },
    )


@second_factor_exempt
def otp_verify(request):
    """After the password: the code of the authenticator app, before any other page."""
    if request.user.is_verified() or not services.has_second_factor(request.user):
        return redirect(safe_next(request, reverse("core:home")))
    form = TokenForm(request.POST or None)
    if done := _take_code(request, form, services.verify_second_factor, _("Đã xác thực hai bước.")):
        return done
    return render(request, "accounts/otp_verify.html", {"form": form, "next": safe_next(request, "")})


def otp_settings(request):
    """One's own second factor: its state, turning it on, or off (with a current code) unless it is required."""
    device = services.second_factor_device(request.user)
    required = services.second_factor_required(request.user)
    form = TokenForm(request.POST or None) if device and not required else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.disable_second_factor(request.user, form.cleaned_data["token"])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Đã tắt xác thực hai bước."))
            return redirect("accounts:otp_settings")
    return render(request, "accounts/otp_settings.html", {"device": device, "required": required, "form": form})
