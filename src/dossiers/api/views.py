from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.permissions import scope_queryset
from core.http import file_download

from .. import services, tasks
from ..models import Dossier, ImportJob
from .authentication import IntegrationClient, IntegrationTokenAuthentication
from .serializers import (
    DossierDetailSerializer,
    DossierSerializer,
    EventInSerializer,
    EventResultSerializer,
    ImportJobSerializer,
)

AUTH = [IntegrationTokenAuthentication, SessionAuthentication]


def acting_agency(request, perm):
    """The agency the caller acts for: the token's agency, or a user's own agency if the role allows."""
    user = request.user
    if isinstance(user, IntegrationClient):
        return user.agency
    if user.agency_id and user.has_perm(perm) and not user.has_province_scope:
        return user.agency
    raise PermissionDenied(_("Bạn không có quyền ghi sự kiện hồ sơ cho cơ quan nào."))


def visible_dossiers(request):
    user = request.user
    if isinstance(user, IntegrationClient):
        return Dossier.objects.filter(agency=user.agency)
    if not user.has_perm("dossiers.view_dossier"):
        return Dossier.objects.none()
    return scope_queryset(user, Dossier.objects.all())


class DossierViewSet(viewsets.ReadOnlyModelViewSet):
    """Dossiers visible to the caller (a token sees its agency's; officials their scope)."""

    authentication_classes = AUTH
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        return visible_dossiers(self.request).select_related("agency", "procedure").order_by("-received_at", "id")

    def get_serializer_class(self):
        return DossierDetailSerializer if self.action == "retrieve" else DossierSerializer

    def get_object(self):
        # Codes are unique per agency; a province-wide caller may see several — take the first visible.
        obj = self.get_queryset().filter(code=self.kwargs["code"]).first()
        if obj is None:
            from django.http import Http404

            raise Http404
        return obj


class EventViewSet(viewsets.GenericViewSet):
    """Push dossier events one by one (idempotent)."""

    authentication_classes = AUTH
    serializer_class = EventInSerializer

    @extend_schema(
        request=EventInSerializer,
        responses={
            201: EventResultSerializer,
            200: EventResultSerializer,
            400: OpenApiResponse(description="Sự kiện bị từ chối, kèm lý do"),
        },
    )
    def create(self, request):
        agency = acting_agency(request, "dossiers.add_dossierevent")
        serializer = EventInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            state, dossier = services.push_event(agency, dict(serializer.validated_data))
        except ValidationError as exc:
            return Response({"detail": " ".join(exc.messages)}, status=status.HTTP_400_BAD_REQUEST)
        body = {"status": state, "dossier": DossierSerializer(dossier).data}
        return Response(body, status=status.HTTP_201_CREATED if state == "created" else status.HTTP_200_OK)


class ImportJobViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Bulk import of an export file (CSV/XLSX) of the one-stop-shop software, run in the background."""

    authentication_classes = AUTH
    serializer_class = ImportJobSerializer
    lookup_value_regex = r"\d+"
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        user = self.request.user
        if isinstance(user, IntegrationClient):
            return ImportJob.objects.filter(agency=user.agency)
        if not user.has_perm("dossiers.view_importjob"):
            return ImportJob.objects.none()
        return scope_queryset(user, ImportJob.objects.all())

    def perform_create(self, serializer):
        agency = acting_agency(self.request, "dossiers.add_importjob")
        user = self.request.user if not isinstance(self.request.user, IntegrationClient) else None
        try:
            job = tasks.start_import(agency, serializer.validated_data["file"], user)
        except ValidationError as exc:
            from rest_framework.exceptions import ValidationError as DRFValidationError

            raise DRFValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from None
        serializer.instance = job

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data = ImportJobSerializer(ImportJob.objects.get(pk=response.data["id"])).data
        return response

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="CSV các dòng lỗi")})
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        job = self.get_object()  # DRF's lookup: a key that is not a number is a 404, not a server error
        return file_download(*services.error_report(job, "csv"))
