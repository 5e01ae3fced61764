"""The filters of the procedure catalog."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from core.filters import FilterSet
from core.text import search_key

from .models import AdminProcedure, Field


class ProcedureFilter(FilterSet):
    q = django_filters.CharFilter(
        label=_("Tìm kiếm (không cần dấu)"),
        method="filter_q",
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("VD: cap giay chung nhan"), "data-testid": "procedure-search"}
        ),
    )
    field = django_filters.ModelChoiceFilter(label=_("Lĩnh vực"), queryset=Field.objects.all(), empty_label=_("Tất cả"))
    status = django_filters.ChoiceFilter(
        label=_("Tình trạng"), choices=AdminProcedure.Status.choices, empty_label=_("Tất cả")
    )
    mine = django_filters.BooleanFilter(
        label=_("Của cơ quan tôi"),
        method="filter_mine",
        widget=forms.CheckboxInput(attrs={"value": "1", "id": "mine"}),
    )

    class Meta(FilterSet.Meta):
        model = AdminProcedure
        fields = ["q", "field", "status", "mine"]

    def filter_q(self, queryset, name, value):
        key = search_key(value.strip())
        return queryset.filter(search_key__contains=key) if key else queryset

    def filter_mine(self, queryset, name, value):
        agency_id = self.request.user.agency_id if self.request else None
        return queryset.filter(agencies=agency_id) if value and agency_id else queryset
