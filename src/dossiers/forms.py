from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin
from procedures.models import AdminProcedure


class ReceiveForm(StyledFormMixin, forms.Form):
    procedure = forms.ModelChoiceField(
        label=_("Thủ tục hành chính"),
        queryset=AdminProcedure.objects.none(),
        widget=forms.Select(attrs={"data-searchable": "1"}),
    )
    code = forms.CharField(
        label=_("Mã hồ sơ"), max_length=60, required=False, help_text=_("Để trống để hệ thống tự cấp mã.")
    )
    applicant_name = forms.CharField(label=_("Tổ chức, cá nhân nộp hồ sơ"), max_length=255)
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=255, required=False)
    received_at = forms.DateTimeField(
        label=_("Thời điểm tiếp nhận"), required=False, help_text=_("dd/mm/yyyy HH:MM; để trống là bây giờ.")
    )

    def __init__(self, *args, procedures=None, **kwargs):
        super().__init__(*args, **kwargs)
        if procedures is not None:
            self.fields["procedure"].queryset = procedures


class HandOverForm(StyledFormMixin, forms.Form):
    step = forms.ChoiceField(label=_("Chuyển đến bước"))
    to_user = forms.ModelChoiceField(label=_("Người nhận"), queryset=None, required=False)
    to_name = forms.CharField(label=_("Hoặc tên người nhận"), max_length=150, required=False)
    note = forms.CharField(label=_("Ghi chú"), max_length=500, required=False)

    def __init__(self, *args, steps=(), members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [(s.code, f"{s.order}. {s.name}") for s in steps]
        self.fields["to_user"].queryset = members
        self.fields["to_user"].empty_label = _("— Chọn người nhận —")

    def clean(self):
        data = super().clean()
        if not data.get("to_user") and not (data.get("to_name") or "").strip():
            raise forms.ValidationError(_("Chọn người nhận hồ sơ: hồ sơ luôn có người đang giữ."))
        return data


class NoteForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label=_("Nội dung, lý do"), max_length=500, required=False)


class ApologyForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Lý do chậm trễ"), widget=forms.Textarea(attrs={"rows": 3}))
    new_due_at = forms.DateTimeField(label=_("Ngày hẹn trả kết quả mới"), help_text=_("dd/mm/yyyy HH:MM"))
    signer_name = forms.CharField(label=_("Người ký"), max_length=150)
    signer_title = forms.CharField(label=_("Chức vụ"), max_length=150, required=False)

    def clean_new_due_at(self):
        value = self.cleaned_data["new_due_at"]
        return value if timezone.is_aware(value) else timezone.make_aware(value)


class ImportForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Tệp xuất từ phần mềm một cửa (CSV hoặc XLSX)"),
        help_text=_(
            "Các cột: Mã sự kiện, Mã hồ sơ, Loại sự kiện, Thời điểm, Bước, Người giao, "
            "Người nhận, Đơn vị nhận, Mã thủ tục, Người nộp, Ghi chú."
        ),
    )


class TokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Tên hệ thống tích hợp"), max_length=150, initial=_("Phần mềm một cửa điện tử"))
