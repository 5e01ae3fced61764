import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import visible_agencies
from core.filters import FilterSet, NamedModelChoiceFilter
from organizations.models import Agency, AgencyKind, Obligation

from .models import AuditPlan, ManagementReview


def _agencies(request):
    return visible_agencies(request.user).order_by("sort_key") if request else None


def _years():
    this = timezone.localdate().year
    return [(y, str(y)) for y in range(this + 1, this - 6, -1)]


class AgencyScopedFilter(FilterSet):
    """The agency picker is there for those who see more than one agency."""

    agency = NamedModelChoiceFilter(
        label=_("Cơ quan"),
        queryset=_agencies,
        empty_label=_("Tất cả cơ quan"),
        widget=forms.Select(attrs={"data-searchable": "true"}),
    )

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        if request is not None and not (request.user.has_province_scope or request.user.is_superuser):
            del self.filters["agency"]


class PlanFilter(AgencyScopedFilter):
    year = django_filters.ChoiceFilter(
        label=_("Năm"), field_name="programme__year", choices=_years, empty_label=_("Tất cả")
    )
    status = django_filters.ChoiceFilter(
        label=_("Tình trạng"), choices=AuditPlan.Status.choices, empty_label=_("Tất cả")
    )

    class Meta(FilterSet.Meta):
        model = AuditPlan
        fields = ["agency", "year", "status"]


class ReviewFilter(AgencyScopedFilter):
    status = django_filters.ChoiceFilter(
        label=_("Tình trạng"), choices=ManagementReview.Status.choices, empty_label=_("Tất cả")
    )

    class Meta(FilterSet.Meta):
        model = ManagementReview
        fields = ["agency", "status"]


class ObligationFilter(FilterSet):
    """The agencies of the obligations list (an Agency queryset)."""

    q = django_filters.CharFilter(label=_("Tìm cơ quan"), method="filter_q")
    kind = django_filters.ModelChoiceFilter(
        label=_("Loại"), queryset=AgencyKind.objects.order_by("order"), empty_label=_("Tất cả")
    )
    obligation = django_filters.ChoiceFilter(label=_("Đối tượng"), choices=Obligation.choices, empty_label=_("Tất cả"))

    class Meta(FilterSet.Meta):
        model = Agency
        fields = ["q", "kind", "obligation"]

    def filter_q(self, queryset, name, value):
        return queryset.search(value) if value.strip() else queryset
