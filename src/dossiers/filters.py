"""The filters of the dossier list and of the on-time analytics."""

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import scope_queryset, visible_agencies
from core.filters import FilterSet, IdFilter, NamedModelChoiceFilter
from procedures.models import Field

from . import services
from .models import Dossier, DossierStatus, LateStepStat, MonthlyStat


def _agencies(request):
    return visible_agencies(request.user).order_by("sort_key", "name") if request else Dossier.objects.none()


class DossierFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("Mã hồ sơ, người nộp, thủ tục"),
        method="filter_q",
        widget=forms.SearchInput(attrs={"data-testid": "dossier-search"}),
    )
    agency = NamedModelChoiceFilter(
        label=_("Cơ quan"),
        queryset=_agencies,
        empty_label=_("Tất cả cơ quan"),
        widget=forms.Select(attrs={"data-searchable": "true", "data-testid": "agency-filter"}),
    )
    field = django_filters.ModelChoiceFilter(label=_("Lĩnh vực"), queryset=Field.objects.all(), empty_label=_("Tất cả"))
    status = django_filters.ChoiceFilter(label=_("Tình trạng"), choices=DossierStatus.choices, empty_label=_("Tất cả"))
    late = django_filters.ChoiceFilter(
        label=_("Hạn"),
        method="filter_late",
        empty_label=_("Tất cả"),
        choices=[("soon", _("Sắp đến hạn")), ("overdue", _("Đang quá hạn")), ("late", _("Đã trả trễ hạn"))],
    )
    mine = django_filters.BooleanFilter(
        label=_("Tôi đang giữ"), method="filter_mine", widget=forms.CheckboxInput(attrs={"value": "1"})
    )

    class Meta(FilterSet.Meta):
        model = Dossier
        fields = ["q", "agency", "field", "status", "late", "mine"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.now = timezone.now()
        self.province_scope = bool(request and (request.user.has_province_scope or request.user.is_superuser))
        if not self.province_scope:
            del self.filters["agency"]

    def filter_q(self, queryset, name, value):
        return services.search_dossiers(queryset, value.strip()) if value.strip() else queryset

    def filter_late(self, queryset, name, value):
        if value == "overdue":
            return queryset.open().filter(due_at__lt=self.now)
        if value == "soon":
            return queryset.open().filter(due_at__gte=self.now, due_at__lte=services.due_soon_horizon(self.now))
        return queryset.filter(is_late=True)

    def filter_mine(self, queryset, name, value):
        return queryset.open().filter(holder=self.request.user) if value else queryset


class StatsFilter(FilterSet):
    """One filter for the on-time summary (MonthlyStat) and the late-step summary (LateStepStat): both carry the
    month, field and agency. The year selects by summary month.

    The values are numbers, not model choices, so that an agency outside the user's scope gives an empty page
    rather than being dropped as invalid (the summaries are scoped already). Given the request, the form renders
    them as selects of what the user can pick: the years of the summaries in their scope, every field, and — for a
    province-wide user — the agencies they see. Without a year asked for, the latest year of the summaries is shown
    (a province's years together are a few hundred thousand summary rows to add up; "Tất cả" asks for them)."""

    year = django_filters.NumberFilter(
        label=_("Năm"), field_name="month__year", min_value=1901, max_value=2999, widget=forms.Select()
    )
    agency = IdFilter(
        label=_("Cơ quan"),
        field_name="agency_id",
        widget=forms.Select(attrs={"id": "a-agency", "data-searchable": "true", "data-testid": "analytics-agency"}),
    )
    field = IdFilter(
        label=_("Lĩnh vực"),
        field_name="field_id",
        widget=forms.Select(attrs={"id": "a-field", "data-searchable": "1", "data-testid": "analytics-field"}),
    )

    class Meta(FilterSet.Meta):
        fields = ["year", "agency", "field"]

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        self.province_scope = bool(request and (request.user.has_province_scope or request.user.is_superuser))
        if request is None:
            return
        years = self.years(request.user)
        if years and "year" not in self.data:  # a first visit: the latest year ("Tất cả" is asked for as year=)
            self.data = self.data.copy()
            self.data["year"] = str(years[0])
        form = self.form
        form.fields["year"].widget.choices = [("", _("Tất cả"))] + [(y, str(y)) for y in years]
        form.fields["field"].widget.choices = [("", _("Tất cả"))] + [(f.pk, f.name) for f in Field.objects.all()]
        if self.province_scope:  # the others keep the filter (a link may carry it) but get no select
            form.fields["agency"].widget.choices = [("", _("Toàn tỉnh"))] + list(
                _agencies(request).values_list("pk", "name")
            )

    @staticmethod
    def years(user) -> list[int]:
        """The years the summaries in the user's scope span, latest first (their first and last month: two reads of
        the month index, where listing the distinct years read a province's whole summary)."""
        firsts, lasts = [], []
        for model in (MonthlyStat, LateStepStat):
            months = scope_queryset(user, model.objects.all()).values_list("month", flat=True)
            # each an index walk from one end, stopped at the first row in scope (MIN/MAX joined the scope first)
            first, last = months.order_by("month").first(), months.order_by("-month").first()
            if first:
                firsts.append(first.year)
                lasts.append(last.year)
        return list(range(max(lasts), min(firsts) - 1, -1)) if lasts else []
