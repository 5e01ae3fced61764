import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import get_permitted, own_agency, require, scope_queryset, visible_agencies
from accounts.roles import Role
from core.forms import apply_validation_error
from core.http import file_download

from . import services
from .filters import ObligationFilter, PlanFilter, ReviewFilter
from .forms import (
    AnswerForm,
    CloseForm,
    ConclusionForm,
    DecisionForm,
    DoneForm,
    EvidenceForm,
    FindingForm,
    PlanForm,
    ProgrammeForm,
    QuestionForm,
    ReportForm,
    ReviewForm,
    SessionForm,
    members,
)
from .models import (
    AuditPlan,
    AuditProgramme,
    AuditReport,
    AuditSession,
    ChecklistItem,
    Evidence,
    Finding,
    ManagementReview,
    Result,
    ReviewDecision,
)
from .permissions import team_plans

NOT_YOURS = gettext_lazy("Bản ghi này thuộc cơ quan khác.")
NOT_ON_TEAM = gettext_lazy("Bạn không thuộc đoàn đánh giá này, hoặc cuộc đánh giá chưa bắt đầu hay đã qua.")


def _run(request, form, service, done):
    """Call a service with a valid form; its ValidationError goes on the form. Returns the service's result."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = service()
    except ValidationError as exc:
        apply_validation_error(form, exc)
        return None
    messages.success(request, done)
    return result or True


def _post_action(request, service, done, back):
    """A button's action (no form): its refusal is shown as a message."""
    try:
        service()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(back)


def _form_page(request, form, title, back_url, crumbs="audits", **extra):
    return render(
        request,
        "evaluation/form.html",
        {"form": form, "title": title, "back_url": back_url, "crumbs": crumbs, **extra},
    )


def _can_add(request, perm):
    user = request.user
    return bool(user.agency_id) and not user.has_province_scope and user.has_perm(perm, user.agency)


# -- audits ------------------------------------------------------------------------------------------------------------
def _plans(request):
    """The plans the user sees: their scope, and the plans of other agencies they audit today."""
    plans = AuditPlan.objects.all()
    visible = scope_queryset(request.user, plans)
    team = team_plans(request.user, plans).values("pk")
    return AuditPlan.objects.filter(pk__in=visible.values("pk")) | AuditPlan.objects.filter(pk__in=team)


def audit_list(request):
    if (
        not request.user.has_perm("evaluation.view_auditplan")
        and not team_plans(request.user, AuditPlan.objects.all()).exists()
    ):
        raise PermissionDenied(_("Bạn không có quyền xem đánh giá nội bộ."))
    plans = _plans(request).select_related("agency", "programme", "lead_auditor")
    filterset = PlanFilter(request.GET or None, queryset=plans, request=request)
    page = Paginator(filterset.qs.order_by("-start_on", "-id"), 30).get_page(request.GET.get("page"))
    programmes = scope_queryset(request.user, AuditProgramme.objects.select_related("agency")).order_by("-year")[:10]
    return render(
        request,
        "evaluation/audit_list.html",
        {
            "filter": filterset,
            "page": page,
            "programmes": programmes,
            "can_add": _can_add(request, "evaluation.add_auditprogramme"),
            "several": visible_agencies(request.user).count() > 1,
        },
    )


def programme_create(request):
    agency = own_agency(
        request.user, "evaluation.add_auditprogramme", _("Chương trình đánh giá được lập trong cơ quan của bạn.")
    )
    form = ProgrammeForm(request.POST or None)
    programme = _run(
        request,
        form,
        lambda: services.save_programme(request.user, agency, **form.cleaned_data),
        _("Đã lập chương trình đánh giá nội bộ."),
    )
    if programme:
        return redirect(programme)
    return _form_page(request, form, _("Lập chương trình đánh giá nội bộ"), reverse("evaluation:audit_list"))


def programme_edit(request, pk):
    programme = get_permitted(request.user, AuditProgramme, "evaluation.change_auditprogramme", NOT_YOURS, pk=pk)
    form = ProgrammeForm(
        request.POST or None, initial={"year": programme.year, "aims": programme.aims, "criteria": programme.criteria}
    )
    saved = _run(
        request,
        form,
        lambda: services.save_programme(request.user, programme.agency, programme=programme, **form.cleaned_data),
        _("Đã lưu chương trình."),
    )
    if saved:
        return redirect(programme)
    return _form_page(request, form, _("Sửa chương trình đánh giá"), programme.get_absolute_url())


def programme_detail(request, pk):
    programme = get_permitted(
        request.user,
        AuditProgramme.objects.select_related("agency"),
        "evaluation.view_auditprogramme",
        NOT_YOURS,
        pk=pk,
    )
    plans = programme.plans.select_related("lead_auditor", "programme").order_by("seq")
    return render(
        request,
        "evaluation/programme_detail.html",
        {
            "programme": programme,
            "plans": plans,
            "can_change": request.user.has_perm("evaluation.change_auditprogramme", programme),
            "can_plan": request.user.has_perm("evaluation.add_auditplan", programme),
        },
    )


def plan_create(request, pk):
    programme = get_permitted(request.user, AuditProgramme, "evaluation.add_auditplan", NOT_YOURS, pk=pk)
    form = PlanForm(request.POST or None, agency=programme.agency)
    plan = _run(
        request,
        form,
        lambda: services.save_plan(request.user, programme, form.cleaned_data),
        _("Đã lập kế hoạch đánh giá; danh sách câu hỏi được tạo từ các điều khoản đã chọn."),
    )
    if plan:
        return redirect(plan)
    return _form_page(request, form, _("Lập kế hoạch đánh giá"), programme.get_absolute_url(), wide=True)


def _plan(request, pk, perm="evaluation.view_auditplan", message=NOT_YOURS):
    queryset = AuditPlan.objects.select_related("agency__province", "programme", "lead_auditor__agency")
    return get_permitted(request.user, queryset, perm, message, pk=pk)


def plan_edit(request, pk):
    plan = _plan(request, pk, "evaluation.change_auditplan")
    form = PlanForm(request.POST or None, agency=plan.agency, plan=plan)
    saved = _run(
        request,
        form,
        lambda: services.save_plan(request.user, plan.programme, form.cleaned_data, plan),
        _("Đã lưu kế hoạch."),
    )
    if saved:
        return redirect(plan)
    return _form_page(request, form, _("Sửa kế hoạch đánh giá"), plan.get_absolute_url(), wide=True)


def plan_detail(request, pk):
    plan = _plan(request, pk, message=NOT_ON_TEAM)
    user = request.user
    items = list(
        plan.items.select_related("session", "answered_by").prefetch_related("evidence").order_by("order", "id")
    )
    can_change = user.has_perm("evaluation.change_auditplan", plan) and plan.status == AuditPlan.Status.OPEN
    can_conduct = user.has_perm("evaluation.conduct_auditplan", plan)
    counts = services.result_counts(plan)
    findings = list(plan.findings.select_related("nonconformity", "created_by").order_by("id"))
    return render(
        request,
        "evaluation/plan_detail.html",
        {
            "plan": plan,
            "team": plan.team(),
            "sessions": plan.sessions.select_related("auditor"),
            "items": items,
            "counts": counts,
            "open_count": counts[""],
            "results": Result.choices,
            "findings": findings,
            "reports": plan.reports.select_related("prepared_by", "signed_by").order_by("-revision"),
            "can_change": can_change,
            "can_conduct": can_conduct,
            "can_close": user.has_perm("evaluation.close_auditplan", plan) and plan.status == AuditPlan.Status.OPEN,
            "can_raise": user.has_perm("improvement.add_nonconformity", plan.agency),
            "can_report": user.has_perm("evaluation.add_auditreport", plan) and plan.status == AuditPlan.Status.CLOSED,
            "session_form": SessionForm(plan=plan, prefix="session") if can_change else None,
            "today": timezone.localdate(),
            "question_form": QuestionForm(plan=plan) if can_change else None,
            "finding_form": FindingForm(plan=plan) if can_conduct else None,
        },
    )


@require_POST
def session_add(request, pk):
    plan = _plan(request, pk, "evaluation.change_auditplan")
    form = SessionForm(request.POST, plan=plan, prefix="session")
    if _run(
        request,
        form,
        lambda: services.add_session(request.user, plan, **form.cleaned_data),
        _("Đã thêm vào lịch đánh giá."),
    ):
        return redirect(reverse("evaluation:plan_detail", args=[plan.pk]) + "#schedule")
    return _form_page(request, form, _("Thêm lịch đánh giá"), plan.get_absolute_url())


@require_POST
def session_remove(request, pk):
    session = get_permitted(request.user, AuditSession, "evaluation.change_auditplan", NOT_YOURS, pk=pk)
    return _post_action(
        request,
        lambda: services.remove_session(request.user, session),
        _("Đã xóa dòng lịch."),
        reverse("evaluation:plan_detail", args=[session.plan_id]) + "#schedule",
    )


@require_POST
def question_add(request, pk):
    plan = _plan(request, pk, "evaluation.change_auditplan")
    form = QuestionForm(request.POST, plan=plan)
    if _run(
        request,
        form,
        lambda: services.add_question(request.user, plan, **form.cleaned_data),
        _("Đã thêm câu hỏi."),
    ):
        return redirect(reverse("evaluation:plan_detail", args=[plan.pk]) + "#checklist")
    return _form_page(request, form, _("Thêm câu hỏi"), plan.get_absolute_url())


def _item(request, pk, perm):
    queryset = ChecklistItem.objects.select_related("plan__agency", "plan__programme", "session")
    return get_permitted(request.user, queryset, perm, NOT_ON_TEAM, pk=pk)


def question_edit(request, pk):
    item = _item(request, pk, "evaluation.change_auditplan")
    form = QuestionForm(
        request.POST or None,
        plan=item.plan,
        edit=True,
        initial={"question": item.question, "session": item.session},
    )
    if _run(
        request,
        form,
        lambda: services.edit_question(request.user, item, **form.cleaned_data),
        _("Đã sửa câu hỏi."),
    ):
        return redirect(reverse("evaluation:plan_detail", args=[item.plan_id]) + "#checklist")
    return _form_page(request, form, _("Sửa câu hỏi"), item.plan.get_absolute_url())


@require_POST
def question_remove(request, pk):
    item = _item(request, pk, "evaluation.change_auditplan")
    return _post_action(
        request,
        lambda: services.remove_question(request.user, item),
        _("Đã xóa câu hỏi."),
        reverse("evaluation:plan_detail", args=[item.plan_id]) + "#checklist",
    )


def question_detail(request, pk):
    """A question: its answer and evidence (the team member's page while auditing)."""
    item = _item(request, pk, "evaluation.view_auditplan")
    plan = item.plan
    can_conduct = request.user.has_perm("evaluation.conduct_auditplan", plan)
    answer_form = AnswerForm(
        request.POST if request.POST.get("form") == "answer" else None,
        initial={"result": item.result, "note": item.note},
    )
    evidence_form = EvidenceForm(
        request.POST if request.POST.get("form") == "evidence" else None,
        request.FILES or None,
        plan=plan,
        prefix="evidence",
    )
    if request.method == "POST":
        require(request.user, "evaluation.conduct_auditplan", plan, NOT_ON_TEAM)
        if request.POST.get("form") == "answer":
            done = _run(
                request,
                answer_form,
                lambda: services.answer(request.user, item, **answer_form.cleaned_data),
                _("Đã ghi câu trả lời."),
            )
            if done:
                following = plan.items.filter(order__gt=item.order, result="").order_by("order").first()
                return redirect(following and reverse("evaluation:question", args=[following.pk]) or plan)
        elif request.POST.get("form") == "evidence":
            data = evidence_form.cleaned_data if evidence_form.is_valid() else {}
            if _run(
                request,
                evidence_form,
                lambda: services.add_evidence(
                    request.user,
                    item,
                    upload=data.get("file"),
                    document=data.get("document"),
                    record_type=data.get("record_type"),
                    dossier_code=data.get("dossier_code", ""),
                    note=data.get("note", ""),
                ),
                _("Đã thêm bằng chứng."),
            ):
                return redirect(reverse("evaluation:question", args=[item.pk]))
    siblings = list(plan.items.order_by("order", "id").values_list("pk", flat=True))
    position = siblings.index(item.pk)
    return render(
        request,
        "evaluation/question.html",
        {
            "item": item,
            "plan": plan,
            "evidence": item.evidence.select_related("document", "record_type", "dossier", "added_by"),
            "answer_form": answer_form,
            "evidence_form": evidence_form,
            "can_conduct": can_conduct and plan.status == AuditPlan.Status.OPEN,
            "previous": siblings[position - 1] if position else None,
            "next": siblings[position + 1] if position + 1 < len(siblings) else None,
            "position": position + 1,
            "total": len(siblings),
            "finding_form": FindingForm(plan=plan, initial={"clause": item.clause}) if can_conduct else None,
        },
    )


def evidence_file(request, pk):
    evidence = get_permitted(
        request.user, Evidence.objects.select_related("item__plan"), "evaluation.view_auditplan", NOT_ON_TEAM, pk=pk
    )
    if not evidence.file:
        raise Http404(_("Bằng chứng này không có tệp."))
    try:
        handle = evidence.file.open("rb")
    except OSError as exc:
        raise Http404(_("Không tìm thấy tệp.")) from exc
    response = FileResponse(handle, as_attachment=True, filename=evidence.original_name or evidence.file.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@require_POST
def finding_add(request, pk):
    plan = _plan(request, pk, "evaluation.conduct_auditplan", NOT_ON_TEAM)
    form = FindingForm(request.POST, plan=plan)
    item = None
    if request.POST.get("item", "").isdigit():
        item = plan.items.filter(pk=int(request.POST["item"])).first()
    if _run(
        request,
        form,
        lambda: services.add_finding(request.user, plan, item=item, **form.cleaned_data),
        _("Đã ghi nhận phát hiện."),
    ):
        return redirect(reverse("evaluation:plan_detail", args=[plan.pk]) + "#findings")
    return _form_page(request, form, _("Ghi nhận phát hiện"), plan.get_absolute_url())


@require_POST
def finding_raise(request, pk):
    finding = get_permitted(
        request.user, Finding.objects.select_related("plan"), "evaluation.view_finding", NOT_YOURS, pk=pk
    )
    result = {}

    def raise_it():
        result["nc"] = services.raise_from_finding(request.user, finding)

    response = _post_action(
        request,
        raise_it,
        _("Đã lập phiếu sự không phù hợp từ phát hiện."),
        reverse("evaluation:plan_detail", args=[finding.plan_id]) + "#findings",
    )
    return redirect(result["nc"]) if "nc" in result else response


def plan_close(request, pk):
    plan = _plan(request, pk, "evaluation.close_auditplan")
    form = CloseForm(request.POST or None, initial={"conclusion": plan.conclusion})
    if _run(
        request,
        form,
        lambda: services.close_plan(request.user, plan, **form.cleaned_data),
        _("Đã kết thúc cuộc đánh giá."),
    ):
        return redirect(plan)
    counts = services.result_counts(plan)
    return _form_page(
        request, form, _("Kết thúc cuộc đánh giá"), plan.get_absolute_url(), plan=plan, open_count=counts[""]
    )


# -- report ------------------------------------------------------------------------------------------------------------
def report_create(request, pk):
    plan = _plan(request, pk, "evaluation.add_auditreport")
    last = plan.reports.order_by("-revision").first()
    initial = (
        {"number": last.number, "summary": last.summary, "recommendations": last.recommendations}
        if last
        else {"number": f"{plan.seq:02d}/BC-ĐGNB"}
    )
    form = ReportForm(request.POST or None, initial=initial)
    report = _run(
        request,
        form,
        lambda: services.create_report(request.user, plan, **form.cleaned_data),
        _("Đã lập dự thảo báo cáo."),
    )
    if report:
        return redirect(report)
    title = _("Lập báo cáo lần ban hành mới") if last else _("Lập báo cáo đánh giá")
    return _form_page(request, form, title, plan.get_absolute_url())


def _report(request, pk, perm="evaluation.view_auditreport"):
    queryset = AuditReport.objects.select_related("plan__agency", "plan__programme", "prepared_by", "signed_by")
    return get_permitted(request.user, queryset, perm, NOT_YOURS, pk=pk)


def report_detail(request, pk):
    report = _report(request, pk)
    return render(
        request,
        "evaluation/report_detail.html",
        {
            "report": report,
            "plan": report.plan,
            "c": services.report_content(report),
            "can_edit": request.user.has_perm("evaluation.change_auditreport", report) and not report.signed,
            "can_sign": request.user.has_perm("evaluation.sign_auditreport", report) and not report.signed,
            "can_revise": request.user.has_perm("evaluation.add_auditreport", report.plan)
            and report.signed
            and not report.plan.reports.filter(signed_at=None).exists(),
        },
    )


def report_edit(request, pk):
    report = _report(request, pk, "evaluation.change_auditreport")
    if report.signed:
        messages.info(request, _("Báo cáo đã ký được giữ nguyên; mọi thay đổi là một lần ban hành mới."))
        return redirect(report)
    form = ReportForm(
        request.POST or None,
        initial={"number": report.number, "summary": report.summary, "recommendations": report.recommendations},
    )
    if _run(
        request,
        form,
        lambda: services.update_report(request.user, report, **form.cleaned_data),
        _("Đã lưu dự thảo báo cáo."),
    ):
        return redirect(report)
    return _form_page(request, form, _("Sửa dự thảo báo cáo"), report.get_absolute_url())


@require_POST
def report_sign(request, pk):
    report = _report(request, pk, "evaluation.sign_auditreport")
    return _post_action(
        request, lambda: services.sign_report(request.user, report), _("Đã ký báo cáo."), report.get_absolute_url()
    )


def _slug(number):
    """A file name's part from a number: "01/BC-ĐGNB" -> "01-BC-DGNB"."""
    from unidecode import unidecode

    return "".join(ch if ch.isalnum() else "-" for ch in unidecode(number)).strip("-")


def report_docx(request, pk):
    report = _report(request, pk)
    content = services.report_content(report)
    return file_download(
        services.report_docx(content), f"bao-cao-danh-gia-{_slug(report.number)}-lan{report.revision}.docx"
    )


def report_pdf(request, pk):
    from weasyprint import HTML

    report = _report(request, pk)
    html = services.report_html(services.report_content(report), draft=not report.signed)
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    return file_download(pdf, f"bao-cao-danh-gia-{_slug(report.number)}-lan{report.revision}.pdf", inline=True)


# -- management review -------------------------------------------------------------------------------------------------
def review_list(request):
    require(request.user, "evaluation.view_managementreview")
    reviews = scope_queryset(request.user, ManagementReview.objects.select_related("agency", "chair"))
    filterset = ReviewFilter(request.GET or None, queryset=reviews, request=request)
    page = Paginator(filterset.qs.order_by("-period_end", "-id"), 30).get_page(request.GET.get("page"))
    mine = ReviewDecision.objects.filter(
        owner=request.user, done_on=None, review__status=ManagementReview.Status.CLOSED
    ).select_related("review")
    return render(
        request,
        "evaluation/review_list.html",
        {
            "filter": filterset,
            "page": page,
            "mine": mine.order_by("due_on"),
            "today": timezone.localdate(),
            "can_add": _can_add(request, "evaluation.add_managementreview"),
            "several": visible_agencies(request.user).count() > 1,
        },
    )


def review_create(request):
    agency = own_agency(
        request.user, "evaluation.add_managementreview", _("Cuộc họp xem xét được lập trong cơ quan của bạn.")
    )
    today = timezone.localdate()
    last = ManagementReview.objects.filter(agency=agency, status=ManagementReview.Status.CLOSED).first()
    start = last.period_end + dt.timedelta(days=1) if last else today.replace(month=1, day=1)
    end = max(today, start.replace(month=12, day=31) if start > today else today)
    held = ManagementReview.objects.filter(agency=agency, number__endswith=f"/BB-XXLĐ-{today.year}").count()
    head = members(agency).filter(role=Role.AGENCY_HEAD).first()
    form = ReviewForm(
        request.POST or None,
        agency=agency,
        initial={
            "number": f"{held + 1:02d}/BB-XXLĐ-{today.year}",
            "period_start": start,
            "period_end": end,
            "meeting_on": today,
            "chair": head,
        },
    )
    review = _run(
        request,
        form,
        lambda: services.save_review(request.user, agency, form.cleaned_data),
        _("Đã lập cuộc họp; đầu vào được tổng hợp từ dữ liệu của kỳ."),
    )
    if review:
        return redirect(review)
    return _form_page(
        request, form, _("Lập cuộc họp xem xét của lãnh đạo"), reverse("evaluation:review_list"), "reviews"
    )


def _review(request, pk, perm="evaluation.view_managementreview"):
    queryset = ManagementReview.objects.select_related("agency__province", "agency__parent", "chair", "closed_by")
    return get_permitted(request.user, queryset, perm, NOT_YOURS, pk=pk)


def review_edit(request, pk):
    review = _review(request, pk, "evaluation.change_managementreview")
    if review.status == ManagementReview.Status.CLOSED:
        messages.info(request, _("Biên bản đã ký được giữ nguyên."))
        return redirect(review)
    fields = ("number", "period_start", "period_end", "meeting_on", "location", "chair", "participants")
    form = ReviewForm(request.POST or None, agency=review.agency, initial={f: getattr(review, f) for f in fields})
    if _run(
        request,
        form,
        lambda: services.save_review(request.user, review.agency, form.cleaned_data, review),
        _("Đã lưu; đầu vào được tổng hợp lại."),
    ):
        return redirect(review)
    return _form_page(request, form, _("Sửa cuộc họp xem xét"), review.get_absolute_url(), "reviews")


def review_detail(request, pk):
    review = _review(request, pk)
    user = request.user
    draft = review.status == ManagementReview.Status.DRAFT
    return render(
        request,
        "evaluation/review_detail.html",
        {
            "review": review,
            "i": review.inputs,
            "decisions": review.decisions.select_related("owner"),
            "can_follow_up": user.has_perm("evaluation.change_managementreview", review),
            "today": timezone.localdate(),
            "can_change": draft and user.has_perm("evaluation.change_managementreview", review),
            "can_close": draft and user.has_perm("evaluation.close_managementreview", review),
            "decision_form": DecisionForm(agency=review.agency)
            if draft and user.has_perm("evaluation.add_reviewdecision", review)
            else None,
            "conclusion_form": ConclusionForm(initial={"conclusion": review.conclusion}),
        },
    )


@require_POST
def review_recompile(request, pk):
    review = _review(request, pk, "evaluation.change_managementreview")
    return _post_action(
        request,
        lambda: services.recompile(request.user, review),
        _("Đã tổng hợp lại đầu vào từ dữ liệu hiện có."),
        review.get_absolute_url(),
    )


@require_POST
def decision_add(request, pk):
    review = _review(request, pk, "evaluation.add_reviewdecision")
    form = DecisionForm(request.POST, agency=review.agency)
    if _run(
        request,
        form,
        lambda: services.add_decision(request.user, review, **form.cleaned_data),
        _("Đã ghi quyết định."),
    ):
        return redirect(reverse("evaluation:review_detail", args=[review.pk]) + "#decisions")
    return _form_page(request, form, _("Ghi quyết định, hành động"), review.get_absolute_url(), "reviews")


@require_POST
def decision_remove(request, pk):
    decision = get_permitted(request.user, ReviewDecision, "evaluation.add_reviewdecision", NOT_YOURS, pk=pk)
    return _post_action(
        request,
        lambda: services.remove_decision(request.user, decision),
        _("Đã xóa quyết định."),
        reverse("evaluation:review_detail", args=[decision.review_id]) + "#decisions",
    )


def review_close(request, pk):
    review = _review(request, pk, "evaluation.close_managementreview")
    form = ConclusionForm(request.POST or None, initial={"conclusion": review.conclusion})
    if _run(
        request,
        form,
        lambda: services.close_review(request.user, review, **form.cleaned_data),
        _("Đã ký biên bản xem xét của lãnh đạo."),
    ):
        return redirect(review)
    return _form_page(request, form, _("Ký biên bản xem xét"), review.get_absolute_url(), "reviews")


def decision_done(request, pk):
    decision = get_permitted(
        request.user,
        ReviewDecision.objects.select_related("review"),
        "evaluation.change_reviewdecision",
        NOT_YOURS,
        pk=pk,
    )
    form = DoneForm(request.POST or None)
    if _run(
        request,
        form,
        lambda: services.complete_decision(
            request.user, decision, form.cleaned_data["done_on"], form.cleaned_data["done_note"]
        ),
        _("Đã ghi nhận hoàn thành."),
    ):
        return redirect(decision.review)
    return _form_page(
        request,
        form,
        _("Ghi nhận kết quả thực hiện"),
        decision.review.get_absolute_url(),
        "reviews",
        subject=decision.description,
    )


def minutes_docx(request, pk):
    review = _review(request, pk)
    content = services.minutes_content(review)
    return file_download(services.minutes_docx(content), f"bien-ban-xem-xet-{_slug(review.number)}.docx")


def minutes_pdf(request, pk):
    from weasyprint import HTML

    review = _review(request, pk)
    html = services.minutes_html(
        services.minutes_content(review), draft=review.status != ManagementReview.Status.CLOSED
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    return file_download(pdf, f"bien-ban-xem-xet-{_slug(review.number)}.pdf", inline=True)


# -- yearly obligations ------------------------------------------------------------------------------------------------
def obligation_list(request):
    require(request.user, "evaluation.view_managementreview")
    agencies = visible_agencies(request.user).active().select_related("kind").order_by("sort_key")
    filterset = ObligationFilter(request.GET or None, queryset=agencies, request=request)
    rows = services.obligations(filterset.qs)
    attention = request.GET.get("attention") == "1"
    if attention:
        rows = [r for r in rows if not r.in_order]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "evaluation/obligation_list.html",
        {
            "filter": filterset,
            "page": page,
            "attention": attention,
            "total": len(rows),
            "update_months": settings.EISO["QMS_UPDATE_MONTHS"],
        },
    )
