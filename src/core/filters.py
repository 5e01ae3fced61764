"""The base of every list's filters: a django-filter FilterSet whose form has the project's Bootstrap classes.
A list is a scoped queryset, a FilterSet over it and a template that renders `filter.form`'s fields."""

from typing import Any

import django_filters
from django import forms

from .forms import NamedModelChoiceField, StyledFormMixin


class FilterForm(StyledFormMixin, forms.Form):
    pass


class FilterSet(django_filters.FilterSet):
    """Invalid values (a typed-in `?year=abc` or an agency out of the user's scope) are left out of the filtering,
    as django-filter does for fields that do not validate: the list shows the rest, never an error page."""

    class Meta:
        form = FilterForm


# The largest key a database holds (BigAutoField; SQLite's INTEGER): a larger number is an invalid value, not an error.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A record's id as a plain number: out of the user's scope it matches nothing (the queryset is scoped already),
    not a number or out of range it is left out like any invalid value."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)

    field_class = forms.IntegerField


class NamedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter whose select reads (id, name) rows (core.forms.NamedModelChoiceField)."""

    field_class = NamedModelChoiceField
