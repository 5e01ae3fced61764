"""Login protection helpers for django-axes."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for counting failed logins. Behind `settings.TRUSTED_PROXIES` reverse proxies (nginx
    adds the address it saw to X-Forwarded-For), it is the entry the nearest trusted proxy added; a client cannot
    choose it by sending its own header. Without proxies, the connection's address."""
    proxies = settings.TRUSTED_PROXIES
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if proxies and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
