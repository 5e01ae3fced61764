from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin

from .models import AdminProcedure, Field


class CatalogImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Tệp danh mục TTHC (XLSX hoặc CSV)"),
        help_text=_(
            "Các cột: Mã thủ tục, Tên thủ tục, Lĩnh vực, Cấp thực hiện, Thời hạn giải "
            "quyết, Phí, lệ phí, Căn cứ pháp lý, Cơ quan thực hiện (mã, cách nhau bởi "
            "dấu ;)."
        ),
    )


class ProcedureForm(StyledFormMixin, forms.ModelForm):
    processing_days = forms.CharField(
        label=_("Thời hạn giải quyết (ngày làm việc)"), help_text=_("Cho phép nửa ngày, ví dụ 7,5.")
    )

    class Meta:
        model = AdminProcedure
        fields = ["code", "name", "field", "level", "processing_days", "fees", "legal_basis", "agencies"]
        widgets = {
            "legal_basis": forms.Textarea(attrs={"rows": 3}),
            "agencies": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = Field.objects.all()
        self.fields["field"].widget.attrs["data-searchable"] = "1"
        if agencies is not None:
            self.fields["agencies"].queryset = agencies
        if self.instance.pk:
            self.initial["processing_days"] = str(self.instance.processing_days).replace(".", ",")

    def clean_processing_days(self):
        from .services import parse_days

        return parse_days(self.cleaned_data["processing_days"], _("Thời hạn giải quyết"))


class StatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Thay đổi"),
        choices=[(AdminProcedure.Status.AMENDED, _("Sửa đổi, bổ sung")), (AdminProcedure.Status.ANNULLED, _("Bãi bỏ"))],
    )
    reason = forms.CharField(
        label=_("Lý do, văn bản sửa đổi/bãi bỏ"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    processing_days = forms.CharField(label=_("Thời hạn giải quyết mới (nếu thay đổi)"), required=False)


class StepForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("Mã bước"), required=False, max_length=30)
    name = forms.CharField(label=_("Tên bước"), required=False, max_length=255)
    responsible_unit = forms.CharField(label=_("Đơn vị thực hiện"), required=False, max_length=255)
    responsible_role = forms.CharField(label=_("Người/chức danh"), required=False, max_length=255)
    days = forms.CharField(label=_("Thời gian (ngày LV)"), required=False, max_length=10)


StepFormSet = forms.formset_factory(StepForm, extra=2, max_num=30)
