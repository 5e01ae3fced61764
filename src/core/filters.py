"""The base of every list's filters: a django-filter FilterSet whose form has the project's Bootstrap classes.
A list is a scoped queryset, a FilterSet over it and a template that renders `filter.form`'s fields."""

import django_filters
from django import forms

from .forms import StyledFormMixin


class FilterForm(StyledFormMixin, forms.Form):
    pass


class FilterSet(django_filters.FilterSet):
    """Invalid values (a typed-in `?year=abc` or an agency out of the user's scope) are left out of the filtering,
    as django-filter does for fields that do not validate: the list shows the rest, never an error page."""

    class Meta:
        form = FilterForm
