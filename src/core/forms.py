from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .models import CalendarOverride


class Select(forms.Select):
    """Django's select with its options written here rather than through one template per option: the same markup.
    A province's agency picker has 500+ options; rendered through the templates it cost tens of milliseconds a page.
    Groups of options and subclasses with templates of their own keep Django's rendering."""

    def render(self, name: str, value: object, attrs: dict | None = None, renderer: object = None) -> SafeString:
        if (
            self.allow_multiple_selected
            or self.template_name != forms.Select.template_name
            or self.option_template_name != forms.Select.option_template_name
        ):
            return super().render(name, value, attrs, renderer)
        values = self.format_value(value)
        options, has_selected = [], False
        for option_value, label in self.choices:
            if isinstance(label, (list, tuple)):
                return super().render(name, value, attrs, renderer)
            option_value = "" if option_value is None else str(option_value)
            selected = not has_selected and option_value in values
            has_selected |= selected
            mark = " selected" if selected else ""
            options.append(format_html('\n  <option value="{}"{}>{}</option>', option_value, mark, label))
        head = format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))
        return mark_safe(head + "".join(options) + "\n</select>")


class _NameChoices(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class NamedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField over records named by their `name` field (their `__str__`), whose options are read as
    (id, name) rows: no model instance per option (a province's agency picker lists 500+ agencies)."""

    iterator = _NameChoices


class StyledFormMixin:
    """Bootstrap classes on every widget, and aria-invalid on fields with errors."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
                if type(widget) is forms.Select:
                    widget.__class__ = Select  # the same widget (choices, attrs), rendered faster
            else:
                css = "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
            if isinstance(field, forms.DateField) and "placeholder" not in widget.attrs:
                widget.attrs["placeholder"] = "dd/mm/yyyy"

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


def apply_validation_error(form, exc: ValidationError):
    """Show a service's ValidationError on the form: field errors on their fields, the rest on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(None if field == NON_FIELD_ERRORS else target, error)
    else:
        form.add_error(None, exc)


class CalendarOverrideForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ["date", "kind", "note"]
        widgets = {"date": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})}
        labels = {"date": _("Ngày")}
