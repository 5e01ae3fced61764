"""The API's rate per caller and its limit on failed authentications (DRF throttling; the counts live in the
cache: Redis in production, shared by the app servers)."""

from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _
from rest_framework.exceptions import Throttled
from rest_framework.throttling import SimpleRateThrottle

from accounts.security import client_ip

if TYPE_CHECKING:  # DRF loads throttle classes while importing its views: no import of them here
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ClientRateThrottle(SimpleRateThrottle):
    """Requests per caller: a person by account, an agency's software by its token, anyone else by address (the
    same address the login protection counts: `accounts.security.client_ip`, EISO_TRUSTED_PROXIES). Rate:
    EISO_API_RATE."""

    scope = "client"

    def get_rate(self) -> str | None:
        return settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]  # read each time: settings can change

    def get_cache_key(self, request: "Request", view: "APIView") -> str:
        user = request.user
        token = getattr(user, "token", None)
        if token is not None:
            ident = f"token:{token.pk}"
        elif user is not None and user.is_authenticated and user.pk:
            ident = f"user:{user.pk}"
        else:
            ident = f"ip:{client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


def _failures_key(request: "Request", scheme: str) -> str:
    return f"api-auth-failures:{scheme}:{client_ip(request)}"


def check_not_refused(request: "Request", scheme: str) -> None:
    """Past EISO_API_AUTH_FAILURES failed authentications from this client address within the window, refuse
    every attempt from it (HTTP 429) before looking at its credentials: a token cannot be guessed by trying."""
    if (cache.get(_failures_key(request, scheme)) or 0) >= settings.EISO["API_AUTH_FAILURES"]:
        raise Throttled(
            wait=settings.EISO["API_AUTH_WINDOW_SECONDS"],
            detail=_("Xác thực sai quá nhiều lần từ địa chỉ này: hãy thử lại sau."),
        )


def count_failure(request: "Request", scheme: str) -> None:
    """One failed authentication from this client address; the count ends with its window."""
    key = _failures_key(request, scheme)
    if not cache.add(key, 1, settings.EISO["API_AUTH_WINDOW_SECONDS"]):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, settings.EISO["API_AUTH_WINDOW_SECONDS"])
