from rest_framework import viewsets

from accounts.permissions import visible_agencies

from ..filters import AgencyFilter
from .serializers import AgencySerializer


class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Agencies the caller may see: their own (agency roles) or their province's (oversight)."""

    serializer_class = AgencySerializer
    filterset_class = AgencyFilter

    def get_queryset(self):
        return visible_agencies(self.request.user).select_related("kind", "province").order_by("id")
