from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin

from .models import Agency, AgencyKind


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class AgencyForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Agency
        fields = [
            "name",
            "short_name",
            "code",
            "kind",
            "parent",
            "obligation",
            "unit_code",
            "address",
            "phone",
            "email",
            "established_on",
        ]
        widgets = {"established_on": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"})}

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = agencies.active().select_related("kind")
        self.fields["parent"].widget.attrs["data-searchable"] = "1"
        self.fields["parent"].required = False
        self.fields["obligation"].required = False

    def clean(self):
        data = super().clean()
        if not data.get("obligation") and data.get("kind"):
            data["obligation"] = data["kind"].default_obligation  # the kind decides unless told
        return data


class MoveForm(StyledFormMixin, forms.Form):
    parent = AgencyChoiceField(
        label=_("Cơ quan cấp trên mới"),
        queryset=Agency.objects.none(),
        required=False,
        empty_label=_("— Không có (cấp cao nhất) —"),
        widget=forms.Select(attrs={"data-searchable": "1"}),
    )
    effective_on = forms.DateField(label=_("Ngày hiệu lực"), required=False)
    decision = forms.CharField(label=_("Số quyết định"), max_length=200, required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = agencies.active()


class MergeForm(StyledFormMixin, forms.Form):
    agencies = forms.ModelMultipleChoiceField(
        label=_("Các cơ quan hợp nhất"), queryset=Agency.objects.none(), widget=forms.SelectMultiple(attrs={"size": 10})
    )
    name = forms.CharField(label=_("Tên cơ quan mới"), max_length=255)
    code = forms.CharField(label=_("Mã cơ quan mới"), max_length=30)
    kind = forms.ModelChoiceField(label=_("Loại"), queryset=AgencyKind.objects.all(), required=False)
    effective_on = forms.DateField(label=_("Ngày hiệu lực"))
    decision = forms.CharField(label=_("Số quyết định"), max_length=200, required=False)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agencies"].queryset = agencies


class SplitForm(StyledFormMixin, forms.Form):
    names = forms.CharField(
        label=_("Các cơ quan mới"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Mỗi dòng một cơ quan: mã; tên. Ví dụ: XA-01; UBND xã An Bình"),
    )
    effective_on = forms.DateField(label=_("Ngày hiệu lực"))
    decision = forms.CharField(label=_("Số quyết định"), max_length=200, required=False)

    def clean_names(self):
        parts = []
        for number, line in enumerate(self.cleaned_data["names"].splitlines(), start=1):
            if not line.strip():
                continue
            code, sep, name = line.partition(";")
            if not sep or not code.strip() or not name.strip():
                raise forms.ValidationError(_("Dòng %(n)s: cần ghi “mã; tên”.") % {"n": number})
            parts.append({"code": code.strip(), "name": name.strip()})
        if len(parts) < 2:
            raise forms.ValidationError(_("Chia tách cần ít nhất hai cơ quan mới."))
        return parts
