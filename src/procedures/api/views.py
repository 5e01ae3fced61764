from rest_framework import viewsets

from accounts.permissions import scope_queryset

from ..models import AdminProcedure, ProcessDefinition
from .serializers import AdminProcedureSerializer, ProcessDefinitionSerializer


class AdminProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    """The published catalog of administrative procedures of the caller's province."""

    serializer_class = AdminProcedureSerializer
    filterset_fields = ["code", "status", "level"]

    def get_queryset(self):
        user = self.request.user
        qs = AdminProcedure.objects.select_related("field").prefetch_related("agencies").order_by("code")
        if user.is_superuser:
            return qs
        if not user.has_perm("procedures.view_adminprocedure") or not user.agency_id:
            return qs.none()
        return qs.filter(province_id=user.agency.province_id)


class ProcessDefinitionViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies' process definitions (steps and time allotments), scoped to the caller."""

    serializer_class = ProcessDefinitionSerializer

    def get_queryset(self):
        user = self.request.user
        if not user.has_perm("procedures.view_processdefinition"):
            return ProcessDefinition.objects.none()
        return scope_queryset(
            user,
            ProcessDefinition.objects.select_related("procedure", "agency").prefetch_related("steps").order_by("id"),
        )
