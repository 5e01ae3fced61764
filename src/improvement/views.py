from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.middleware import second_factor_exempt
from accounts.permissions import get_permitted, own_agency, require, scope_queryset, visible_agencies
from accounts.security import client_ip
from core.filters import MAX_ID
from core.forms import apply_validation_error
from core.qr import qr_data_uri, qr_svg

from . import services
from .forms import (
    ActionForm,
    AnalysisForm,
    CompleteForm,
    DismissForm,
    MeasurementForm,
    NonconformityForm,
    ObjectiveForm,
    RiskActionForm,
    RiskForm,
    RiskLevelForm,
    SurveyForm,
    VerifyForm,
)
from .models import (
    CorrectiveAction,
    LatePattern,
    Nonconformity,
    Objective,
    Risk,
    RiskAction,
    RiskLevel,
    Source,
    SurveyResponse,
)

NOT_YOURS = gettext_lazy("Bản ghi này thuộc cơ quan khác.")
# Why the abuse control refused answers (improvement.services.satisfaction.submit).
REFUSALS = {
    "address": gettext_lazy("gửi dồn dập từ một địa chỉ"),
    "dossier": gettext_lazy("hồ sơ đã được đánh giá"),
    "honeypot": gettext_lazy("phiếu tự động"),
}


def _agency_filter(request, queryset, lookup="agency_id"):
    """A province-wide user may narrow a list to one agency (?agency=<id>); agency users see their own. Returns the
    queryset, the agencies of the picker and the chosen value (a value that is no id is left out)."""
    agencies = visible_agencies(request.user)
    chosen = request.GET.get("agency", "")
    if chosen.isdigit() and int(chosen) <= MAX_ID and request.user.has_province_scope:
        queryset = queryset.filter(**{lookup: int(chosen)})
    return queryset, agencies.order_by("sort_key").values_list("pk", "name"), chosen


def _year(request):
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else timezone.localdate().year


def _can_add(request, perm):
    user = request.user
    return bool(user.agency_id) and not user.has_province_scope and user.has_perm(perm, user.agency)


def _form_page(request, form, title, back_url, template="improvement/form.html", **extra):
    return render(request, template, {"form": form, "title": title, "back_url": back_url, **extra})


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


# -- objectives ------------------------------------------------------------------------------------------------------
def objective_list(request):
    require(request.user, "improvement.view_objective")
    year = _year(request)
    objectives = scope_queryset(request.user, Objective.objects.filter(year=year))
    objectives, agencies, chosen = _agency_filter(request, objectives)
    rows = services.with_status(objectives.select_related("agency").order_by("agency__sort_key", "id"))
    return render(
        request,
        "improvement/objective_list.html",
        {
            "objectives": rows,
            "year": year,
            "years": range(timezone.localdate().year + 1, timezone.localdate().year - 5, -1),
            "agencies": agencies,
            "chosen": chosen,
            "can_add": _can_add(request, "improvement.add_objective"),
            "off_target": sum(1 for o in rows if o.on_target is False),
        },
    )


def objective_create(request):
    agency = own_agency(request.user, "improvement.add_objective", _("Mục tiêu được lập trong cơ quan của bạn."))
    form = ObjectiveForm(request.POST or None, agency=agency)
    objective = _run(
        request,
        form,
        lambda: services.save_objective(request.user, agency, form.cleaned_data),
        _("Đã lập mục tiêu chất lượng."),
    )
    if objective:
        return redirect(objective)
    return _form_page(request, form, _("Lập mục tiêu chất lượng"), reverse("improvement:objective_list"))


def objective_edit(request, pk):
    objective = get_permitted(request.user, Objective, "improvement.change_objective", NOT_YOURS, pk=pk)
    form = ObjectiveForm(request.POST or None, instance=objective, agency=objective.agency)
    saved = _run(
        request,
        form,
        lambda: services.save_objective(request.user, objective.agency, form.cleaned_data, objective),
        _("Đã lưu mục tiêu."),
    )
    if saved:
        return redirect(objective)
    return _form_page(request, form, _("Sửa mục tiêu chất lượng"), objective.get_absolute_url())


def objective_detail(request, pk):
    objective = get_permitted(
        request.user,
        Objective.objects.select_related("agency", "owner"),
        "improvement.view_objective",
        NOT_YOURS,
        pk=pk,
    )
    can_measure = request.user.has_perm("improvement.measure_objective", objective)
    form = None
    if can_measure and not objective.automatic:
        form = MeasurementForm(request.POST or None, objective=objective)
        if _run(
            request,
            form,
            lambda: services.record_measurement(
                request.user,
                objective,
                form.cleaned_data["period_start"],
                form.cleaned_data["value"],
                form.cleaned_data["note"],
            ),
            _("Đã ghi kết quả đo."),
        ):
            return redirect(objective)
    elif request.method == "POST":
        raise PermissionDenied(_("Bạn không nhập kết quả cho mục tiêu này."))
    measurements = list(objective.measurements.select_related("entered_by"))
    last = next((m for m in reversed(measurements) if m.value is not None), None)
    return render(
        request,
        "improvement/objective_detail.html",
        {
            "objective": objective,
            "measurements": measurements,
            "last": last,
            "on_target": objective.meets(last.value) if last else None,
            "chart": services.trend(objective),
            "form": form,
            "can_measure": can_measure,
            "can_edit": request.user.has_perm("improvement.change_objective", objective),
            "can_raise": request.user.has_perm("improvement.add_nonconformity", objective)
            and not request.user.has_province_scope,
        },
    )


@require_POST
def objective_recompute(request, pk):
    objective = get_permitted(request.user, Objective, "improvement.measure_objective", NOT_YOURS, pk=pk)
    if not objective.automatic:
        raise Http404
    written = services.recompute_for(request.user, objective)
    messages.success(request, _("Đã tính lại từ dữ liệu: %(n)s kỳ đo thay đổi.") % {"n": written})
    return redirect(objective)


# -- risks -----------------------------------------------------------------------------------------------------------
def risk_list(request):
    require(request.user, "improvement.view_risk")
    risks = scope_queryset(request.user, Risk.objects.all())
    risks, agencies, chosen = _agency_filter(request, risks)
    status = request.GET.get("status", Risk.Status.OPEN)
    shown = risks.filter(status=status) if status in Risk.Status.values else risks
    province = request.user.agency.province if request.user.agency_id else None
    levels = services.levels(province) if province else []
    rows = services.annotate_levels(
        list(
            shown.select_related("agency", "owner", "procedure", "document").order_by("-likelihood", "-impact", "-id")[
                :300
            ]
        ),
        levels,
    )
    return render(
        request,
        "improvement/risk_list.html",
        {
            "risks": rows,
            "heat": services.heat_map(risks, levels),
            "levels": levels,
            "agencies": agencies,
            "chosen": chosen,
            "status": status,
            "statuses": Risk.Status.choices,
            "can_add": _can_add(request, "improvement.add_risk"),
            "can_levels": request.user.has_perm("improvement.change_risklevel"),
            "today": timezone.localdate(),
        },
    )


def risk_create(request):
    agency = own_agency(request.user, "improvement.add_risk", _("Rủi ro được lập trong cơ quan của bạn."))
    form = RiskForm(request.POST or None, agency=agency)
    risk = _run(
        request, form, lambda: services.save_risk(request.user, agency, form.cleaned_data), _("Đã thêm vào sổ rủi ro.")
    )
    if risk:
        return redirect(risk)
    return _form_page(request, form, _("Nhận diện rủi ro, cơ hội"), reverse("improvement:risk_list"))


def risk_edit(request, pk):
    risk = get_permitted(request.user, Risk, "improvement.change_risk", NOT_YOURS, pk=pk)
    form = RiskForm(request.POST or None, instance=risk, agency=risk.agency)
    if _run(
        request,
        form,
        lambda: services.save_risk(request.user, risk.agency, form.cleaned_data, risk),
        _("Đã lưu rủi ro."),
    ):
        return redirect(risk)
    return _form_page(request, form, _("Sửa rủi ro, cơ hội"), risk.get_absolute_url())


def risk_detail(request, pk):
    risk = get_permitted(
        request.user, Risk.objects.select_related("agency", "owner"), "improvement.view_risk", NOT_YOURS, pk=pk
    )
    can_change = request.user.has_perm("improvement.change_risk", risk)
    form = RiskActionForm(request.POST or None, agency=risk.agency) if can_change else None
    if form is not None and _run(
        request,
        form,
        lambda: services.add_risk_action(request.user, risk, **form.cleaned_data),
        _("Đã thêm biện pháp xử lý."),
    ):
        return redirect(risk)
    if request.method == "POST" and form is None:
        raise PermissionDenied(_("Bạn không sửa sổ rủi ro này."))
    levels = services.levels(risk.agency.province)
    return render(
        request,
        "improvement/risk_detail.html",
        {
            "risk": risk,
            "level": services.level_of(risk.score, levels),
            "actions": risk.actions.select_related("owner"),
            "form": form,
            "can_change": can_change,
            "today": timezone.localdate(),
        },
    )


@require_POST
def risk_action_done(request, pk):
    action = get_permitted(
        request.user, RiskAction.objects.select_related("risk"), "improvement.view_risk", NOT_YOURS, pk=pk
    )
    try:
        services.complete_risk_action(request.user, action)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã ghi nhận biện pháp hoàn thành."))
    return redirect(action.risk)


def risk_levels(request):
    require(request.user, "improvement.view_risklevel")
    if not request.user.agency_id:
        raise PermissionDenied(_("Tài khoản chưa gắn với cơ quan nào."))
    province = request.user.agency.province
    return render(
        request,
        "improvement/risk_levels.html",
        {
            "levels": services.levels(province),
            "scale": settings.EISO["RISK_SCALE"],
            "can_change": request.user.has_perm("improvement.change_risklevel"),
        },
    )


def risk_level_edit(request, pk):
    level = get_permitted(request.user, RiskLevel, "improvement.change_risklevel", NOT_YOURS, pk=pk)
    form = RiskLevelForm(request.POST or None, instance=level)
    if _run(
        request, form, lambda: services.save_level(request.user, level, form.cleaned_data), _("Đã lưu mức rủi ro.")
    ):
        return redirect("improvement:risk_levels")
    return _form_page(request, form, _("Sửa mức rủi ro"), reverse("improvement:risk_levels"))


# -- nonconformities -------------------------------------------------------------------------------------------------
def nc_list(request):
    require(request.user, "improvement.view_nonconformity")
    ncs = scope_queryset(request.user, Nonconformity.objects.all())
    ncs, agencies, chosen = _agency_filter(request, ncs)
    status = request.GET.get("status", Nonconformity.Status.OPEN)
    if status in Nonconformity.Status.values:
        ncs = ncs.filter(status=status)
    source = request.GET.get("source", "")
    if source in Source.values:
        ncs = ncs.filter(source=source)
    page = Paginator(ncs.select_related("agency", "raised_by").order_by("-raised_on", "-id"), 50).get_page(
        request.GET.get("page")
    )
    patterns = scope_queryset(request.user, LatePattern.objects.filter(status=LatePattern.Status.PROPOSED))
    patterns, _agencies, _chosen = _agency_filter(request, patterns)
    return render(
        request,
        "improvement/nc_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Nonconformity.Status.choices,
            "source": source,
            "sources": Source.choices,
            "agencies": agencies,
            "chosen": chosen,
            "patterns": patterns.select_related("procedure", "agency")[:20],
            "can_add": _can_add(request, "improvement.add_nonconformity"),
            "can_decide": request.user.has_perm("improvement.change_latepattern"),
        },
    )


def action_list(request):
    """The corrective actions still to do, overdue first (the head's follow-up list)."""
    require(request.user, "improvement.view_correctiveaction")
    actions = scope_queryset(
        request.user,
        CorrectiveAction.objects.filter(nonconformity__status=Nonconformity.Status.OPEN),
        "nonconformity__agency",
    )
    actions, agencies, chosen = _agency_filter(request, actions, "nonconformity__agency_id")
    today = timezone.localdate()
    pending = actions.filter(done_on=None)
    return render(
        request,
        "improvement/action_list.html",
        {
            "overdue": services.overdue_actions(pending, today)
            .select_related("nonconformity", "owner")
            .order_by("due_on"),
            "upcoming": pending.filter(due_on__gte=today).select_related("nonconformity", "owner").order_by("due_on"),
            "to_verify": actions.filter(done_on__isnull=False, effective=None)
            .select_related("nonconformity", "owner")
            .order_by("done_on"),
            "agencies": agencies,
            "chosen": chosen,
            "today": today,
        },
    )


def nc_create(request):
    agency = own_agency(
        request.user, "improvement.add_nonconformity", _("Sự không phù hợp được lập trong cơ quan của bạn.")
    )
    initial = {}
    for name in ("source", "dossier_code", "objective", "feedback", "title"):
        if request.GET.get(name):
            initial[name] = request.GET[name]
    if request.GET.get("feedback"):
        initial["source"] = Source.FEEDBACK
    form = NonconformityForm(request.POST or None, agency=agency, initial=initial)

    def raise_it():
        data = form.cleaned_data
        source = data["source"]
        return services.raise_nonconformity(
            request.user,
            agency,
            data["title"],
            data["raised_on"],
            description=data["description"],
            source=source,
            dossier=data["dossier"] if source == Source.LATE_DOSSIERS else None,
            objective=data["objective"] if source == Source.OBJECTIVE else None,
            feedback=data["feedback"] if source == Source.FEEDBACK else None,
            containment=data["containment"],
        )

    nc = _run(request, form, raise_it, _("Đã lập phiếu sự không phù hợp."))
    if nc:
        return redirect(nc)
    feedback = (
        form.fields["feedback"].queryset.filter(pk=initial.get("feedback")).first()
        if initial.get("feedback", "").isdigit()
        else None
    )
    return _form_page(
        request,
        form,
        _("Lập phiếu sự không phù hợp"),
        reverse("improvement:nc_list"),
        feedback=feedback,
    )


def _nc(request, pk, perm="improvement.view_nonconformity"):
    return get_permitted(
        request.user,
        Nonconformity.objects.select_related("agency", "raised_by", "closed_by", "dossier", "objective", "feedback"),
        perm,
        NOT_YOURS,
        pk=pk,
    )


def nc_detail(request, pk):
    nc = _nc(request, pk)
    user = request.user
    can_change = user.has_perm("improvement.change_nonconformity", nc)
    is_open = nc.status == Nonconformity.Status.OPEN
    actions = list(nc.actions.select_related("owner", "verified_by"))
    for action in actions:
        action.can_complete = is_open and action.owner_id == user.pk and action.done_on is None
        action.can_verify = (
            is_open
            and action.done_on is not None
            and action.effective is None
            and action.owner_id != user.pk
            and user.has_perm("improvement.verify_correctiveaction", nc)
        )
        action.complete_form = CompleteForm(prefix=f"a{action.pk}") if action.can_complete else None
        action.verify_form = VerifyForm(prefix=f"v{action.pk}") if action.can_verify else None
    return render(
        request,
        "improvement/nc_detail.html",
        {
            "nc": nc,
            "actions": actions,
            "analysis": AnalysisForm.of(nc) if can_change and is_open else None,
            "action_form": ActionForm(agency=nc.agency) if can_change and is_open else None,
            "can_close": is_open and user.has_perm("improvement.close_nonconformity", nc),
            "problems": services.closing_problems(nc) if is_open else [],
            "pattern": getattr(nc, "late_pattern", None) if hasattr(nc, "late_pattern") else None,
            "today": timezone.localdate(),
        },
    )


def _nc_post(request, nc, form, service, done, **extra):
    """A form posted from the nonconformity's page: done, back to the page; refused, the page again with the form's
    errors (and nothing changed)."""
    if _run(request, form, service, done):
        return redirect(nc)
    messages.error(request, _("Chưa lưu: xem lỗi bên dưới."))
    return render(request, "improvement/nc_form.html", {"nc": nc, "form": form, **extra})


@require_POST
def nc_analyse(request, pk):
    nc = _nc(request, pk, "improvement.change_nonconformity")
    form = AnalysisForm(request.POST)
    return _nc_post(
        request,
        nc,
        form,
        lambda: services.analyse(
            request.user, nc, form.cleaned_data["containment"], form.whys(), form.cleaned_data["root_cause"]
        ),
        _("Đã lưu phân tích nguyên nhân."),
        title=_("Phân tích nguyên nhân"),
    )


@require_POST
def nc_action_add(request, pk):
    nc = _nc(request, pk, "improvement.add_correctiveaction")
    form = ActionForm(request.POST, agency=nc.agency)
    return _nc_post(
        request,
        nc,
        form,
        lambda: services.add_action(request.user, nc, **form.cleaned_data),
        _("Đã thêm hành động khắc phục."),
        title=_("Thêm hành động khắc phục"),
    )


def _action(request, pk, perm):
    return get_permitted(
        request.user, CorrectiveAction.objects.select_related("nonconformity__agency"), perm, NOT_YOURS, pk=pk
    )


@require_POST
def action_complete(request, pk):
    action = _action(request, pk, "improvement.change_correctiveaction")
    form = CompleteForm(request.POST, prefix=f"a{action.pk}")
    return _nc_post(
        request,
        action.nonconformity,
        form,
        lambda: services.complete_action(
            request.user, action, form.cleaned_data["done_on"], form.cleaned_data["done_note"]
        ),
        _("Đã báo cáo hoàn thành hành động."),
        title=_("Báo cáo hoàn thành"),
    )


@require_POST
def action_verify(request, pk):
    action = _action(request, pk, "improvement.verify_correctiveaction")
    form = VerifyForm(request.POST, prefix=f"v{action.pk}")
    return _nc_post(
        request,
        action.nonconformity,
        form,
        lambda: services.verify_action(
            request.user, action, form.cleaned_data["effective"], form.cleaned_data["verification_note"]
        ),
        _("Đã ghi kết quả kiểm tra hiệu lực."),
        title=_("Kiểm tra hiệu lực"),
    )


@require_POST
def nc_close(request, pk):
    nc = _nc(request, pk, "improvement.close_nonconformity")
    try:
        services.close_nonconformity(request.user, nc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Đã đóng sự không phù hợp %(n)s.") % {"n": nc.number})
    return redirect(nc)


def pattern_detail(request, pk):
    pattern = get_permitted(
        request.user,
        LatePattern.objects.select_related("agency", "procedure", "decided_by", "nonconformity"),
        "improvement.view_latepattern",
        NOT_YOURS,
        pk=pk,
    )
    can_decide = pattern.status == LatePattern.Status.PROPOSED and request.user.has_perm(
        "improvement.change_latepattern", pattern
    )
    form = DismissForm(request.POST or None) if can_decide else None
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied(_("Bạn không quyết định đề xuất này."))
        if request.POST.get("decision") == "accept":
            try:
                nc = services.accept_pattern(request.user, pattern)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Đã lập phiếu %(n)s từ đề xuất.") % {"n": nc.number})
                return redirect(nc)
        elif _run(
            request,
            form,
            lambda: services.dismiss_pattern(request.user, pattern, form.cleaned_data["reason"]),
            _("Đã bỏ qua đề xuất."),
        ):
            return redirect("improvement:nc_list")
    return render(
        request,
        "improvement/pattern_detail.html",
        {
            "pattern": pattern,
            "dossiers": services.pattern_dossiers(pattern)[:50],
            "form": form,
            "can_decide": can_decide,
        },
    )


# -- satisfaction ----------------------------------------------------------------------------------------------------
def _ambiguous(agency):
    """Another province hosted here has an agency of the same code: its short link names the province too."""
    from organizations.models import Agency

    return Agency.objects.filter(code=agency.code).exclude(province_id=agency.province_id).exists()


def survey_url(request, agency, page="survey"):
    url = request.build_absolute_uri(reverse(page, args=[agency.code]))
    return f"{url}?tinh={agency.province.code}" if _ambiguous(agency) else url


def satisfaction(request):
    require(request.user, "improvement.view_surveyresponse")
    from dossiers.models import MonthlyStat

    year = _year(request)
    answers = scope_queryset(request.user, SurveyResponse.objects.all())
    stats = scope_queryset(request.user, MonthlyStat.objects.all())
    answers, agencies, chosen = _agency_filter(request, answers)
    stats, _agencies, _chosen = _agency_filter(request, stats)
    agency = request.user.agency if request.user.agency_id and not request.user.has_province_scope else None
    url = survey_url(request, agency) if agency else None
    recent = answers.filter(submitted_at__year=year).select_related("agency", "procedure")
    only = request.GET.get("only", "")
    if only == "negative":
        from django.db.models import Q

        recent = recent.filter(Q(overall__lte=2) | ~Q(comment=""))
    return render(
        request,
        "improvement/satisfaction.html",
        {
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
            "results": services.results(answers, stats, year),
            "recent": recent[:50],
            "only": only,
            "agencies": agencies,
            "chosen": chosen,
            "agency": agency,
            "survey_url": url,
            "qr": qr_data_uri(url, box_size=6) if url else None,
            "refused": [
                (REFUSALS.get(reason, reason), n)
                for reason, n in services.refusals(
                    _agency_filter(request, visible_agencies(request.user), "pk")[0], year
                ).items()
            ],
            "can_raise": _can_add(request, "improvement.add_nonconformity"),
        },
    )


class Choose(Exception):
    def __init__(self, agencies):
        self.agencies = agencies


def _public_agency(request, code):
    """The agency of a short link: its code, and its province's when several provinces hosted here share the code
    (?tinh=<province code>); several without it: the visitor chooses."""
    from organizations.models import Agency

    agencies = Agency.objects.active().filter(code=code).select_related("province").order_by("province__name")
    if request.GET.get("tinh"):
        agencies = agencies.filter(province__code=request.GET["tinh"])
    found = list(agencies[:20])
    if not found:
        raise Http404
    if len(found) > 1:
        raise Choose(found)
    return found[0]


def _choose(request, error):
    return render(request, "improvement/survey_choose.html", {"agencies": error.agencies, "page": request.path})


@login_not_required
@second_factor_exempt
def survey(request, code):
    """The public survey of one agency (no login): the page the QR code on the receipt opens."""
    try:
        agency = _public_agency(request, code)
    except Choose as error:
        return _choose(request, error)
    form = SurveyForm(request.POST or None, initial={"dossier_code": request.GET.get("hs", "")})
    refused = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answer = services.Answer(
            overall=data["overall"],
            on_time=data["on_time"],
            attitude=data["attitude"],
            guidance=data["guidance"],
            comment=data["comment"],
            dossier_code=data["dossier_code"],
            honeypot=data["website"],
        )
        try:
            services.submit(agency, answer, client_ip(request))
        except services.Refused as exc:
            refused = exc.message
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return redirect(survey_url(request, agency, "survey_thanks"))
    status = 429 if refused else 200
    return render(
        request, "improvement/survey.html", {"agency": agency, "form": form, "refused": refused}, status=status
    )


@login_not_required
@second_factor_exempt
def survey_thanks(request, code):
    try:
        agency = _public_agency(request, code)
    except Choose as error:
        return _choose(request, error)
    return render(request, "improvement/survey_thanks.html", {"agency": agency})


@login_not_required
@second_factor_exempt
def survey_qr(request, code):
    """The survey's QR code as an SVG, for the receipt template of the one-stop-shop software and for print."""
    try:
        agency = _public_agency(request, code)
    except Choose:
        raise Http404 from None
    response = HttpResponse(qr_svg(survey_url(request, agency)), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def survey_card(request):
    """A printable card with the agency's survey QR code (the one-stop-shop counter, the receipt)."""
    agency = own_agency(request.user, "improvement.view_surveyresponse", _("Mã QR khảo sát là của từng cơ quan."))
    url = survey_url(request, agency)
    return render(request, "improvement/survey_card.html", {"agency": agency, "url": url, "qr": qr_data_uri(url)})


def survey_response(request, pk):
    response = get_permitted(
        request.user,
        SurveyResponse.objects.select_related("agency", "procedure", "dossier"),
        "improvement.view_surveyresponse",
        NOT_YOURS,
        pk=pk,
    )
    raised = Nonconformity.objects.filter(feedback=response).first()
    return render(
        request,
        "improvement/survey_response.html",
        {
            "answer": response,
            "raised": raised,
            "can_raise": raised is None
            and _can_add(request, "improvement.add_nonconformity")
            and (response.dissatisfied or response.comment),
        },
    )
