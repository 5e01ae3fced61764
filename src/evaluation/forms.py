from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import StyledFormMixin

from . import clauses, services
from .models import AuditPlan, Finding, Result, ReviewDecision

TEXT = {"rows": 2}
CHOOSE = _("— Chọn —")
NONE = _("— Không —")
CRITERIA = _(
    "TCVN ISO 9001:2015; hệ thống tài liệu của cơ quan (sổ tay, quy trình, biểu mẫu); quy định pháp luật về thủ tục "
    "hành chính và cơ chế một cửa."
)


class Form(StyledFormMixin):
    """Bootstrap classes, and Vietnamese words for the empty choice of every select."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            empty = CHOOSE if field.required else NONE
            if getattr(field, "empty_label", None) is not None:
                field.empty_label = empty
            elif isinstance(field, forms.ChoiceField) and not isinstance(
                field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.SelectMultiple
            ):
                field.choices = [(k, empty if k in ("", None) else v) for k, v in field.choices]


class PersonChoiceField(forms.ModelChoiceField):
    """An official by name, with their unit and agency (an audit team mixes agencies)."""

    def label_from_instance(self, obj):
        where = ", ".join(x for x in (obj.unit, obj.agency.short_name or obj.agency.name if obj.agency_id else "") if x)
        return f"{obj.get_full_name() or obj.username} — {where}" if where else obj.get_full_name() or obj.username


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    label_from_instance = PersonChoiceField.label_from_instance


def members(agency):
    from documents.services import agency_members

    return agency_members(agency).select_related("agency").order_by("last_name", "first_name")


class ProgrammeForm(Form, forms.Form):
    year = forms.IntegerField(label=_("Năm"), min_value=2000, max_value=2100)
    aims = forms.CharField(label=_("Mục đích"), widget=forms.Textarea(attrs=TEXT))
    criteria = forms.CharField(label=_("Chuẩn mực đánh giá"), widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("year", timezone.localdate().year)
        self.initial.setdefault("criteria", CRITERIA)
        self.fields["year"].localize = False
        self.fields["year"].widget.is_localized = False


class PlanForm(Form, forms.Form):
    title = forms.CharField(label=_("Tên cuộc đánh giá"), max_length=300)
    start_on = forms.DateField(label=_("Từ ngày"))
    end_on = forms.DateField(label=_("Đến ngày"))
    units = forms.MultipleChoiceField(
        label=_("Đơn vị được đánh giá"), required=False, widget=forms.CheckboxSelectMultiple
    )
    procedures = forms.ModelMultipleChoiceField(
        label=_("Thủ tục hành chính"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Giữ Ctrl để chọn nhiều thủ tục."),
    )
    documents = forms.ModelMultipleChoiceField(
        label=_("Quy trình"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    clauses = forms.MultipleChoiceField(
        label=_("Điều khoản TCVN ISO 9001:2015"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    lead_auditor = PersonChoiceField(label=_("Trưởng đoàn đánh giá"), queryset=None)
    auditors = PeopleChoiceField(
        label=_("Thành viên đoàn"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Có thể chọn chuyên gia của cơ quan khác trong tỉnh (tổ tư vấn ISO)."),
    )

    def __init__(self, *args, agency, plan: AuditPlan | None = None, **kwargs):
        from documents.models import Document, DocumentType
        from procedures.models import AdminProcedure

        super().__init__(*args, **kwargs)
        units = services.agency_units(agency)
        if plan is not None:
            units = sorted({*units, *plan.units})
            self.initial.update(
                {
                    "title": plan.title,
                    "start_on": plan.start_on,
                    "end_on": plan.end_on,
                    "units": plan.units,
                    "procedures": list(plan.procedures.all()),
                    "documents": list(plan.documents.all()),
                    "clauses": plan.clauses,
                    "lead_auditor": plan.lead_auditor,
                    "auditors": list(plan.auditors.all()),
                }
            )
        else:
            self.initial.setdefault("clauses", [c.code for c in clauses.CLAUSES])
        self.fields["units"].choices = [(u, u) for u in units]
        self.fields["clauses"].choices = clauses.choices()
        self.fields["procedures"].queryset = AdminProcedure.objects.filter(agencies=agency).order_by("code")
        self.fields["documents"].queryset = Document.objects.filter(
            agency=agency, doc_type=DocumentType.PROCEDURE
        ).order_by("code")
        candidates = services.auditor_candidates(agency)
        self.fields["lead_auditor"].queryset = candidates
        self.fields["auditors"].queryset = candidates


class SessionForm(Form, forms.Form):
    unit = forms.ChoiceField(label=_("Đơn vị"))
    day = forms.DateField(label=_("Ngày"))
    auditor = PersonChoiceField(label=_("Chuyên gia"), queryset=None)

    def __init__(self, *args, plan: AuditPlan, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", CHOOSE)] + [(u, u) for u in plan.units]
        team = [u.pk for u in plan.team()]
        self.fields["auditor"].queryset = (
            get_user_model().objects.filter(pk__in=team).select_related("agency").order_by("last_name")
        )
        self.initial.setdefault("day", plan.start_on)


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.day:%d/%m/%Y} — {obj.unit}"


class QuestionForm(Form, forms.Form):
    clause = forms.ChoiceField(label=_("Điều khoản"))
    question = forms.CharField(label=_("Câu hỏi"), widget=forms.Textarea(attrs=TEXT))
    session = SessionChoiceField(label=_("Đơn vị, ngày đánh giá"), queryset=None, required=False)

    def __init__(self, *args, plan: AuditPlan, edit: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clause"].choices = [("", CHOOSE), *clauses.choices()]
        self.fields["session"].queryset = plan.sessions.all()
        self.fields["session"].empty_label = _("Cả cơ quan, lãnh đạo")
        if edit:
            del self.fields["clause"]


class AnswerForm(Form, forms.Form):
    result = forms.ChoiceField(label=_("Kết quả"), choices=Result.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Ghi chép của chuyên gia"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Điều đã thấy, đã hỏi; bắt buộc khi không phù hợp hoặc cần lưu ý."),
    )


class NamedChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class EvidenceForm(Form, forms.Form):
    file = forms.FileField(label=_("Tệp (PDF, DOCX, JPG, PNG)"), required=False)
    document = NamedChoiceField(label=_("hoặc tài liệu trong eISO"), queryset=None, required=False)
    record_type = NamedChoiceField(label=_("hoặc hồ sơ ISO"), queryset=None, required=False)
    dossier_code = forms.CharField(label=_("hoặc mã hồ sơ TTHC"), max_length=60, required=False)
    note = forms.CharField(label=_("Mô tả"), max_length=500, required=False)

    def __init__(self, *args, plan: AuditPlan, **kwargs):
        from documents.models import Document, RecordType

        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = (
            Document.objects.filter(agency_id=plan.agency_id).exclude(status=Document.Status.DRAFT).order_by("code")
        )
        self.fields["record_type"].queryset = RecordType.objects.filter(agency_id=plan.agency_id).order_by("name")


class FindingForm(Form, forms.Form):
    kind = forms.ChoiceField(label=_("Loại phát hiện"), choices=Finding.Kind.choices)
    clause = forms.ChoiceField(label=_("Điều khoản"), required=False)
    unit = forms.ChoiceField(label=_("Đơn vị"), required=False)
    description = forms.CharField(label=_("Nội dung phát hiện"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, plan: AuditPlan, **kwargs):
        super().__init__(*args, **kwargs)
        # The clause is checked by the service (a finding without a clause is refused with the reason).
        self.fields["clause"].choices = [("", CHOOSE), *clauses.choices()]
        self.fields["unit"].choices = [("", NONE)] + [(u, u) for u in plan.units]


class CloseForm(Form, forms.Form):
    conclusion = forms.CharField(label=_("Kết luận của cuộc đánh giá"), widget=forms.Textarea(attrs={"rows": 4}))


class ReportForm(Form, forms.Form):
    number = forms.CharField(label=_("Số báo cáo"), max_length=60)
    summary = forms.CharField(label=_("Đánh giá chung"), widget=forms.Textarea(attrs={"rows": 4}))
    recommendations = forms.CharField(label=_("Kiến nghị"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ReviewForm(Form, forms.Form):
    number = forms.CharField(label=_("Số biên bản"), max_length=60)
    period_start = forms.DateField(label=_("Kỳ xem xét từ ngày"))
    period_end = forms.DateField(label=_("đến ngày"))
    meeting_on = forms.DateField(label=_("Ngày họp"))
    location = forms.CharField(label=_("Địa điểm"), max_length=255, required=False)
    chair = PersonChoiceField(label=_("Chủ trì"), queryset=None)
    participants = forms.CharField(label=_("Thành phần tham dự"), widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = members(agency)


class DecisionForm(Form, forms.Form):
    kind = forms.ChoiceField(label=_("Loại"), choices=ReviewDecision.Kind.choices)
    description = forms.CharField(label=_("Quyết định, hành động"), widget=forms.Textarea(attrs=TEXT))
    owner = PersonChoiceField(label=_("Người thực hiện"), queryset=None)
    due_on = forms.DateField(label=_("Hạn hoàn thành"))

    def __init__(self, *args, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members(agency)


class ConclusionForm(Form, forms.Form):
    conclusion = forms.CharField(
        label=_("Kết luận về sự phù hợp, thỏa đáng và hiệu lực của HTQLCL"), widget=forms.Textarea(attrs={"rows": 4})
    )


class DoneForm(Form, forms.Form):
    done_on = forms.DateField(label=_("Ngày hoàn thành"))
    done_note = forms.CharField(label=_("Kết quả thực hiện"), widget=forms.Textarea(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("done_on", timezone.localdate())
