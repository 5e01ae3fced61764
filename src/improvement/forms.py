from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import NamedModelChoiceField, StyledFormMixin

from . import services
from .models import Nonconformity, Objective, Risk, RiskLevel, Source, SurveyResponse

TEXT = {"rows": 2}
CHOOSE = _("— Chọn —")
NONE = _("— Không —")


class Form(StyledFormMixin):
    """Bootstrap classes, and Vietnamese words for the empty choice of every select (never Django's dashes)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            empty = CHOOSE if field.required else NONE
            if getattr(field, "empty_label", None) is not None:
                field.empty_label = empty
            elif isinstance(field, forms.ChoiceField) and not isinstance(field.widget, forms.RadioSelect):
                field.choices = [(k, empty if k in ("", None) else v) for k, v in field.choices]


def members(agency):
    """The agency's active officials, by name (documents' `agency_members`, the one definition of who they are)."""
    from documents.services import agency_members

    return agency_members(agency).order_by("last_name", "first_name")


def _procedures(agency):
    from procedures.models import AdminProcedure

    return AdminProcedure.objects.filter(province_id=agency.province_id).order_by("name")


class ObjectiveForm(Form, forms.ModelForm):
    procedure = NamedModelChoiceField(queryset=None, required=False, label=_("Thủ tục hành chính"))

    class Meta:
        model = Objective
        fields = list(services.objectives.OBJECTIVE_FIELDS)
        widgets = {
            "plan_actions": forms.Textarea(attrs=TEXT),
            "plan_resources": forms.Textarea(attrs=TEXT),
        }

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        from procedures.models import Field

        self.fields["owner"].queryset = members(agency)
        self.fields["field"].queryset = Field.objects.order_by("name")
        self.fields["procedure"].queryset = _procedures(agency)
        self.fields["procedure"].help_text = Objective._meta.get_field("procedure").help_text
        self.fields["target"].localize = True  # "95,5" as officials type it
        self.fields["target"].widget.is_localized = True
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)

    def _post_clean(self):  # the service validates and saves (one place for the rules)
        pass


class MeasurementForm(Form, forms.Form):
    period_start = forms.TypedChoiceField(label=_("Kỳ đo"), coerce=lambda v: services.objectives.parse_day(v))
    value = forms.DecimalField(label=_("Kết quả"), max_digits=12, decimal_places=2, required=False, localize=True)
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=500)

    def __init__(self, *args, objective, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["period_start"].choices = [
            (start.isoformat(), services.period_label(start, end))
            for start, end in services.periods(objective.year, objective.frequency)
            if start <= today
        ]
        self.fields["value"].label = _("Kết quả (%(unit)s)") % {"unit": objective.get_unit_display()}
        measured = set(objective.measurements.exclude(value=None).values_list("period_start", flat=True))
        waiting = [
            start
            for start, _end in services.periods(objective.year, objective.frequency)
            if start <= today and start not in measured
        ]
        if waiting:  # the first period begun and not yet measured
            self.initial.setdefault("period_start", waiting[0].isoformat())


class RiskForm(Form, forms.ModelForm):
    procedure = NamedModelChoiceField(queryset=None, required=False, label=_("Thủ tục hành chính"))
    likelihood = forms.TypedChoiceField(label=_("Khả năng xảy ra"), coerce=int)
    impact = forms.TypedChoiceField(label=_("Mức độ ảnh hưởng"), coerce=int)

    class Meta:
        model = Risk
        fields = list(services.risks.RISK_FIELDS)
        widgets = {"description": forms.Textarea(attrs=TEXT), "cause": forms.Textarea(attrs=TEXT)}
        widgets |= {"consequence": forms.Textarea(attrs=TEXT)}

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        from documents.models import Document, DocumentType

        scale = range(1, services.risks.scale() + 1)
        self.fields["likelihood"].choices = [(n, n) for n in scale]
        self.fields["impact"].choices = [(n, n) for n in scale]
        self.fields["owner"].queryset = members(agency)
        self.fields["document"].queryset = Document.objects.filter(
            agency=agency, doc_type=DocumentType.PROCEDURE
        ).order_by("code")
        self.fields["procedure"].queryset = _procedures(agency)
        self.fields["process"].help_text = _("Ví dụ: Tiếp nhận và trả kết quả; Cấp giấy chứng nhận quyền sử dụng đất.")

    def _post_clean(self):
        pass


class RiskLevelForm(Form, forms.ModelForm):
    class Meta:
        model = RiskLevel
        fields = ["name", "min_score", "colour", "acceptable"]

    def _post_clean(self):
        pass


RAISE_SOURCES = [(k, v) for k, v in Source.choices if k != Source.AUDIT]


class NonconformityForm(Form, forms.Form):
    title = forms.CharField(label=_("Nội dung không phù hợp"), max_length=500)
    description = forms.CharField(label=_("Mô tả chi tiết"), required=False, widget=forms.Textarea(attrs=TEXT))
    source = forms.ChoiceField(label=_("Nguồn phát hiện"), choices=RAISE_SOURCES)
    raised_on = forms.DateField(label=_("Ngày phát hiện"))
    dossier_code = forms.CharField(
        label=_("Mã hồ sơ trễ hạn"), required=False, max_length=60, help_text=_("Khi nguồn là hồ sơ trễ hạn.")
    )
    objective = forms.ModelChoiceField(
        label=_("Mục tiêu không đạt"), queryset=None, required=False, help_text=_("Khi nguồn là mục tiêu chất lượng.")
    )
    feedback = forms.ModelChoiceField(
        label=_("Phiếu khảo sát"), queryset=None, required=False, widget=forms.HiddenInput
    )
    containment = forms.CharField(label=_("Khắc phục tức thời"), required=False, widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.agency = agency
        self.fields["objective"].queryset = Objective.objects.filter(agency=agency).order_by("-year", "title")
        self.fields["feedback"].queryset = SurveyResponse.objects.filter(agency=agency)
        self.initial.setdefault("raised_on", timezone.localdate())

    def clean(self):
        data = super().clean()
        code = (data.get("dossier_code") or "").strip()
        data["dossier"] = None
        if code:
            from dossiers.models import Dossier

            data["dossier"] = Dossier.objects.filter(agency=self.agency, code__iexact=code).first()
            if data["dossier"] is None:
                self.add_error("dossier_code", _("Không có hồ sơ mã %(code)s ở cơ quan.") % {"code": code})
        source = data.get("source")
        if source == Source.LATE_DOSSIERS and not code:
            self.add_error("dossier_code", _("Nhập mã hồ sơ trễ hạn."))
        if source == Source.OBJECTIVE and not data.get("objective"):
            self.add_error("objective", _("Chọn mục tiêu không đạt."))
        if source == Source.FEEDBACK and not data.get("feedback"):
            self.add_error("source", _("Lập từ một phiếu khảo sát trên trang kết quả khảo sát."))
        return data


class AnalysisForm(Form, forms.Form):
    containment = forms.CharField(label=_("Khắc phục tức thời"), required=False, widget=forms.Textarea(attrs=TEXT))
    why_1 = forms.CharField(label=_("Tại sao 1"), required=False, max_length=500)
    why_2 = forms.CharField(label=_("Tại sao 2"), required=False, max_length=500)
    why_3 = forms.CharField(label=_("Tại sao 3"), required=False, max_length=500)
    why_4 = forms.CharField(label=_("Tại sao 4"), required=False, max_length=500)
    why_5 = forms.CharField(label=_("Tại sao 5"), required=False, max_length=500)
    root_cause = forms.CharField(label=_("Nguyên nhân gốc"), required=False, widget=forms.Textarea(attrs=TEXT))

    @classmethod
    def of(cls, nc: Nonconformity, data=None):
        initial = {"containment": nc.containment, "root_cause": nc.root_cause}
        initial |= {f"why_{i + 1}": w for i, w in enumerate(nc.whys)}
        return cls(data, initial=initial)

    def whys(self):
        return [self.cleaned_data[f"why_{i}"] for i in range(1, 6)]


class ActionForm(Form, forms.Form):
    description = forms.CharField(label=_("Hành động khắc phục"), widget=forms.Textarea(attrs=TEXT))
    owner = forms.ModelChoiceField(label=_("Người thực hiện"), queryset=None)
    due_on = forms.DateField(label=_("Hạn hoàn thành"))

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members(agency)


class RiskActionForm(ActionForm):
    """The same action on a risk: its treatment."""

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, agency=agency, **kwargs)
        self.fields["description"].label = _("Biện pháp xử lý")


class CompleteForm(Form, forms.Form):
    done_on = forms.DateField(label=_("Ngày hoàn thành"))
    done_note = forms.CharField(label=_("Kết quả thực hiện"), widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("done_on", timezone.localdate())


class VerifyForm(Form, forms.Form):
    effective = forms.TypedChoiceField(
        label=_("Kết luận"),
        choices=[("1", _("Có hiệu lực")), ("0", _("Chưa có hiệu lực"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    verification_note = forms.CharField(label=_("Nhận xét"), required=False, widget=forms.Textarea(attrs=TEXT))


class DismissForm(Form, forms.Form):
    reason = forms.CharField(label=_("Lý do bỏ qua"), widget=forms.Textarea(attrs=TEXT))


RATINGS = [
    (5, _("Rất hài lòng")),
    (4, _("Hài lòng")),
    (3, _("Bình thường")),
    (2, _("Không hài lòng")),
    (1, _("Rất không hài lòng")),
]


class SurveyForm(forms.Form):
    """The public survey: no personal data; `website` is a honeypot a person never sees (hidden by CSS)."""

    overall = forms.TypedChoiceField(
        label=_("Ông/Bà hài lòng thế nào với việc giải quyết thủ tục hành chính?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
    )
    on_time = forms.ChoiceField(
        label=_("Kết quả có được trả đúng hẹn không?"), choices=SurveyResponse.OnTime.choices, widget=forms.RadioSelect
    )
    attitude = forms.TypedChoiceField(
        label=_("Thái độ phục vụ của cán bộ"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    guidance = forms.TypedChoiceField(
        label=_("Hướng dẫn hồ sơ có rõ ràng, đầy đủ không?"), choices=RATINGS, coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("Ý kiến góp ý (không bắt buộc)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    dossier_code = forms.CharField(
        label=_("Mã hồ sơ (không bắt buộc)"),
        required=False,
        max_length=60,
        help_text=_("In trên giấy tiếp nhận; giúp cơ quan biết ý kiến thuộc thủ tục nào."),
    )
    website = forms.CharField(required=False, label=_("Để trống ô này"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("comment", "dossier_code", "website"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["website"].widget.attrs |= {"tabindex": "-1", "autocomplete": "off"}
