import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Agency, AgencyKind, Obligation


class AgencyFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Tìm kiếm"), method="filter_q")
    kind = django_filters.ModelChoiceFilter(label=_("Loại"), queryset=AgencyKind.objects.all())
    obligation = django_filters.ChoiceFilter(label=_("Đối tượng"), choices=Obligation.choices)
    status = django_filters.ChoiceFilter(label=_("Tình trạng"), choices=Agency.Status.choices)

    class Meta:
        model = Agency
        fields = ["q", "kind", "obligation", "status"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value)
