from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import NamedModelChoiceField, StyledFormMixin

from .models import Document, DocumentType, DocumentVersion, RecordType, TemplateDocument


class DocumentForm(StyledFormMixin, forms.ModelForm):
    """The particulars of a document and the content of its draft."""

    upload = forms.FileField(
        label=_("Tệp nội dung (DOCX hoặc PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.pdf"}),
    )
    body = forms.CharField(
        label=_("Hoặc soạn nội dung trực tiếp"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "font-monospace"}),
        help_text=_(
            "Định dạng đơn giản: “# ” tiêu đề, “- ” gạch đầu dòng, “1. ” danh sách số, **đậm**, *nghiêng*; "
            "dòng trống ngăn cách đoạn."
        ),
    )
    remove_file = forms.BooleanField(label=_("Bỏ tệp hiện có, dùng nội dung soạn trực tiếp"), required=False)
    change_summary = forms.CharField(
        label=_("Nội dung sửa đổi"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    change_reason = forms.CharField(label=_("Lý do sửa đổi"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = Document
        fields = [
            "doc_type",
            "code",
            "title",
            "owner_unit",
            "responsible",
            "review_period_months",
            "admin_procedure",
            "legal_bases",
            "external_number",
            "external_issuer",
            "external_effective_date",
        ]
        widgets = {
            "external_effective_date": forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
            "legal_bases": forms.SelectMultiple(attrs={"size": 5}),
        }

    def __init__(self, *args, agency, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        from procedures.models import AdminProcedure

        from .services import agency_members

        self.fields["responsible"].queryset = agency_members(agency).order_by("last_name", "first_name")
        self.fields["admin_procedure"].queryset = AdminProcedure.objects.filter(province_id=agency.province_id)
        self.fields["admin_procedure"].help_text = _("Với quy trình giải quyết một thủ tục hành chính.")
        # Long lists (about 250 procedures, every member of the agency): searchable (wired by a shared script).
        for name in ("admin_procedure", "responsible", "legal_bases"):
            self.fields[name].widget.attrs["data-searchable"] = "1"
        externals = Document.objects.filter(agency=agency, doc_type=DocumentType.EXTERNAL).exclude(
            status=Document.Status.OBSOLETE
        )
        if self.instance.pk:
            externals = externals.exclude(pk=self.instance.pk)
        self.fields["legal_bases"].queryset = externals.order_by("code")
        for name in ("external_number", "external_issuer", "external_effective_date"):
            self.fields[name].help_text = _("Chỉ với tài liệu bên ngoài (luật, nghị định, thông tư…).")
        if version is not None:
            self.fields["body"].initial = version.body
            self.fields["change_summary"].initial = version.change_summary
            self.fields["change_reason"].initial = version.change_reason
            if version.file:
                self.fields["upload"].help_text = _("Đang có tệp “%(name)s”; chọn tệp mới để thay thế.") % {
                    "name": version.original_name
                }
        if version is None or not version.file:
            del self.fields["remove_file"]

    def _post_clean(self):
        # Uniqueness and cross-field rules are the service's job (one place, one message).
        pass


class TransitionForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    effective_date = forms.DateField(required=False)


class ReviseForm(StyledFormMixin, forms.Form):
    change_summary = forms.CharField(label=_("Nội dung sửa đổi"), widget=forms.Textarea(attrs={"rows": 3}))
    change_reason = forms.CharField(label=_("Lý do sửa đổi"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DistributeForm(StyledFormMixin, forms.Form):
    units = forms.MultipleChoiceField(label=_("Phòng, bộ phận"), required=False, widget=forms.CheckboxSelectMultiple)
    recipients = forms.ModelMultipleChoiceField(
        label=_("Cán bộ"), required=False, queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].queryset = members.order_by("unit", "last_name", "first_name")
        self.fields["recipients"].label_from_instance = lambda u: f"{u} – {u.unit or u.get_role_display()}"
        units = sorted({u for u in members.values_list("unit", flat=True) if u})
        self.fields["units"].choices = [(u, u) for u in units]


class FilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Tìm kiếm"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Mã, tên hoặc nội dung tài liệu…")}),
    )
    doc_type = forms.ChoiceField(
        label=_("Loại"), required=False, choices=[("", _("Tất cả loại")), *DocumentType.choices]
    )
    status = forms.ChoiceField(
        label=_("Tình trạng"), required=False, choices=[("", _("Mọi tình trạng"))] + Document.Status.choices
    )
    unit = forms.CharField(label=_("Đơn vị chủ trì"), required=False)
    agency = NamedModelChoiceField(label=_("Cơ quan"), required=False, queryset=None, empty_label=_("Mọi cơ quan"))

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].widget.attrs["data-searchable"] = "1"


class InForceForm(StyledFormMixin, forms.Form):
    """The in-force list's filters: the day it is read for (default today) and, province-wide, the agency."""

    as_of = forms.DateField(
        label=_("Hiệu lực tại ngày"),
        required=False,
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
    )
    agency = NamedModelChoiceField(
        label=_("Cơ quan"), required=False, queryset=None, empty_label=_("Mọi cơ quan trong tỉnh")
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is None:
            del self.fields["agency"]
        else:
            self.fields["agency"].queryset = agencies
            self.fields["agency"].widget.attrs["data-searchable"] = "1"


class RecordTypeForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = RecordType
        fields = ["document", "name", "form", "kept_by", "kept_at", "retention_months"]

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents.filter(doc_type=DocumentType.PROCEDURE)
        self.fields["form"].queryset = documents.filter(doc_type=DocumentType.FORM)
        for name in ("document", "form"):
            self.fields[name].widget.attrs["data-searchable"] = "1"

    def _post_clean(self):
        pass


class RecordFileForm(StyledFormMixin, forms.Form):
    record_type = forms.ModelChoiceField(label=_("Loại hồ sơ"), queryset=None)
    label = forms.CharField(label=_("Tên tập hồ sơ"), max_length=200)
    closed_on = forms.DateField(label=_("Ngày kết thúc"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))

    def __init__(self, *args, record_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].queryset = record_types
        self.fields["record_type"].widget.attrs["data-searchable"] = "1"


class TemplateForm(StyledFormMixin, forms.Form):
    kind = forms.ModelChoiceField(label=_("Loại cơ quan"), queryset=None)
    name = forms.CharField(label=_("Tên mô hình"), max_length=255)
    description = forms.CharField(label=_("Mô tả"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from organizations.models import AgencyKind

        self.fields["kind"].queryset = AgencyKind.objects.all()


class TemplateDocumentForm(StyledFormMixin, forms.ModelForm):
    records_text = forms.CharField(
        label=_("Hồ sơ của quy trình"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Mỗi dòng một hồ sơ: tên | đơn vị, người lưu | thời gian lưu (tháng)."),
    )

    class Meta:
        model = TemplateDocument
        fields = ["doc_type", "code", "title", "owner_unit", "review_period_months", "order", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 14, "class": "font-monospace"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["records_text"].initial = "\n".join(
                f"{r.get('name', '')} | {r.get('kept_by', '')} | {r.get('retention_months', '')}"
                for r in self.instance.records or []
            )

    def clean_records_text(self):
        records = []
        for number, line in enumerate(self.cleaned_data["records_text"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) != 3 or not parts[0] or not parts[2].isdigit():
                raise forms.ValidationError(
                    _("Dòng %(n)s: cần đúng dạng “tên | đơn vị, người lưu | số tháng”.") % {"n": number}
                )
            records.append({"name": parts[0], "kept_by": parts[1], "retention_months": int(parts[2])})
        return records

    def _post_clean(self):
        pass


class InstantiateForm(StyledFormMixin, forms.Form):
    agency = forms.ModelChoiceField(label=_("Cơ quan áp dụng"), queryset=None)

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].widget.attrs["data-searchable"] = "1"


VERSION_STATUS_BADGE = {
    DocumentVersion.Status.DRAFT: "secondary",
    DocumentVersion.Status.SUBMITTED: "info",
    DocumentVersion.Status.REVIEWED: "primary",
    DocumentVersion.Status.APPROVED: "warning",
    DocumentVersion.Status.ISSUED: "success",
    DocumentVersion.Status.SUPERSEDED: "dark",
    DocumentVersion.Status.OBSOLETE: "danger",
}
