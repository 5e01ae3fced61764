import django_filters
from rest_framework import viewsets

from accounts.permissions import scope_queryset

from .. import search
from ..models import Document, DocumentType
from .serializers import DocumentSerializer


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q")
    doc_type = django_filters.ChoiceFilter(choices=DocumentType.choices)
    status = django_filters.ChoiceFilter(choices=Document.Status.choices)

    class Meta:
        model = Document
        fields = ["q", "doc_type", "status", "agency"]

    def filter_q(self, queryset, name, value):
        return search.search(queryset, value)


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Controlled documents the caller may see (own agency, or the province for oversight roles)."""

    serializer_class = DocumentSerializer
    filterset_class = DocumentFilter

    def get_queryset(self):
        user = self.request.user
        if not user.has_perm("documents.view_document"):
            return Document.objects.none()
        return scope_queryset(user, Document.objects.for_listing()).order_by("id")
