"""Token authentication for the one-stop-shop software of an agency: `Authorization: Bearer <key>`."""

import hmac

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from core.throttling import check_not_refused, count_failure

from ..models import IntegrationToken, hash_token


class IntegrationClient:
    """The caller of a token: not a person; acts for exactly one agency, only on dossier events."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    role = None

    def __init__(self, token):
        self.token = token
        self.agency = token.agency
        self.agency_id = token.agency_id
        self.pk = self.id = None
        self.username = f"token:{token.prefix}"

    def __str__(self):
        return str(self.token)

    def has_perm(self, perm, obj=None):
        return False

    def get_full_name(self):
        return str(self.token)


class IntegrationTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in ("bearer", "token"):
            return None
        check_not_refused(request, "token")
        if len(header) != 2 or "." not in header[1]:
            count_failure(request, "token")
            raise exceptions.AuthenticationFailed(_("Khóa tích hợp không hợp lệ."))
        raw = header[1]
        token = (
            IntegrationToken.objects.select_related("agency")
            .filter(prefix=raw.split(".", 1)[0], revoked_at__isnull=True)
            .first()
        )
        if token is None or not hmac.compare_digest(token.secret_hash, hash_token(raw)):
            count_failure(request, "token")
            raise exceptions.AuthenticationFailed(_("Khóa tích hợp không hợp lệ hoặc đã bị thu hồi."))
        IntegrationToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return IntegrationClient(token), token

    def authenticate_header(self, request):
        return self.keyword


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "dossiers.api.authentication.IntegrationTokenAuthentication"
    name = "IntegrationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Khóa tích hợp của một cơ quan (phần mềm một cửa điện tử).",
        }
