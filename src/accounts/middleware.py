"""The second factor at login: no page (the admin's included) before the TOTP code, or the enrolment it requires.

After the password, django-otp's `OTPMiddleware` tells whether this session has given a code
(`request.user.is_verified()`). A user with a confirmed TOTP device who has not is sent to the code page; a user of
whom `EISO_OTP_REQUIRED` requires a second factor and who has no device yet, to the enrolment page. API calls with a
session get 403 instead of a redirect; the integration tokens of the API (no session) are not concerned.
"""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _


def second_factor_exempt(view):
    """Mark a view as reachable before the second factor (the code and enrolment pages, logout, the language)."""
    view.second_factor_exempt = True
    return view


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or getattr(view_func, "second_factor_exempt", False) or user.is_verified():
            return None
        from . import services

        if services.has_second_factor(user):
            target = "accounts:otp_verify"
        elif services.second_factor_required(user):
            target = "accounts:otp_enrol"
        else:
            return None
        match = request.resolver_match
        if request.path.startswith("/api/") and (match is None or match.url_name != "api-docs"):
            return JsonResponse(
                {"detail": _("Cần nhập mã xác thực hai bước trên trang đăng nhập trước khi dùng API.")}, status=403
            )
        url = reverse(target)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            from django_htmx.http import HttpResponseClientRedirect

            return HttpResponseClientRedirect(url)
        return HttpResponseRedirect(url)
