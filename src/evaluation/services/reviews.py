"""The management review (§9.3): the meeting's inputs (§9.3.2) compiled from the records of its period, its decisions
and actions (§9.3.3) followed up at the next review, and the signed minutes."""

import datetime as dt
from collections import Counter
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import require
from core import audit
from core.models import AuditEntry

from ..models import AuditPlan, Finding, ManagementReview, ReviewDecision
from .audits import agency_units

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Agency


def _d(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _person(user: Any) -> str:
    return (user.get_full_name() or user.username) if user is not None else ""


# -- the inputs (§9.3.2) ---------------------------------------------------------------------------------------------
def previous_actions(agency: "Agency", start: dt.date, as_of: dt.date) -> list[dict[str, Any]]:
    """(a) The actions decided at earlier reviews that were still open when this period began or were done in it."""
    decisions = (
        ReviewDecision.objects.filter(
            review__agency=agency, review__status=ManagementReview.Status.CLOSED, review__period_end__lt=start
        )
        .filter(Q(done_on=None) | Q(done_on__gte=start))
        .select_related("review", "owner")
        .order_by("review__period_end", "due_on", "id")
    )
    rows = []
    for d in decisions:
        done = d.done_on is not None and d.done_on <= as_of
        status = "done" if done else ("overdue" if d.due_on < as_of else "open")
        rows.append(
            {
                "review": d.review.number,
                "description": d.description,
                "owner": _person(d.owner),
                "due_on": _d(d.due_on),
                "done_on": _d(d.done_on) if done else "",
                "status": status,
                "note": d.done_note if done else "",
            }
        )
    return rows


def context_changes(agency: "Agency", start: dt.date, end: dt.date) -> dict[str, list[dict[str, str]]]:
    """(b) Changes in context: the agency's procedures amended or annulled in the catalog, its documents flagged for
    an update (a legal basis or procedure changed), its restructuring; each on the day the record shows."""
    from documents.models import Document
    from organizations.models import AgencyChange
    from procedures.models import AdminProcedure

    procedures = {str(p.pk): p for p in AdminProcedure.objects.filter(agencies=agency)}
    statuses = dict(AdminProcedure.Status.choices)
    changed = []
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(AdminProcedure),
        object_id__in=list(procedures),
        timestamp__date__gte=start,
        timestamp__date__lte=end,
    ).order_by("timestamp", "id")
    for entry in entries:
        status = entry.changes.get("status")
        if not isinstance(status, list) or len(status) != 2 or status[1] == AdminProcedure.Status.ACTIVE:
            continue
        procedure = procedures[entry.object_id]
        note = entry.changes.get("status_note")
        changed.append(
            {
                "date": _d(timezone.localdate(entry.timestamp)),
                "code": procedure.code,
                "name": procedure.name,
                "status": str(statuses.get(status[1], status[1])),
                "note": note[1] if isinstance(note, list) and len(note) == 2 else "",
            }
        )
    documents = {str(d.pk): d for d in Document.objects.filter(agency=agency).only("pk", "code", "title")}
    flagged = []
    for entry in AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Document),
        object_id__in=list(documents),
        action=AuditEntry.Action.EVENT,
        timestamp__date__gte=start,
        timestamp__date__lte=end,
    ).order_by("timestamp", "id"):
        if entry.changes.get("needs_review") != [False, True]:
            continue
        document = documents[entry.object_id]
        flagged.append(
            {
                "date": _d(timezone.localdate(entry.timestamp)),
                "code": document.code,
                "title": document.title,
                "reason": entry.comment,
            }
        )
    restructuring = [
        {"date": _d(c.effective_on), "kind": str(c.get_kind_display()), "decision": c.decision}
        for c in AgencyChange.objects.filter(effective_on__gte=start, effective_on__lte=end)
        .filter(Q(predecessors=agency) | Q(successors=agency))
        .distinct()
        .order_by("effective_on", "id")
    ]
    return {"procedures": changed, "documents": flagged, "restructuring": restructuring}


def satisfaction(agency: "Agency", start: dt.date, end: dt.date) -> dict[str, Any]:
    """(c) The citizens' answers of the period: satisfied (4-5), dissatisfied (1-2), with a comment."""
    from improvement.models import SurveyResponse

    answers = SurveyResponse.objects.filter(
        agency=agency, submitted_at__date__gte=start, submitted_at__date__lte=end
    ).values_list("overall", "comment")
    total = satisfied = dissatisfied = comments = 0
    for overall, comment in answers:
        total += 1
        satisfied += overall >= 4
        dissatisfied += overall <= 2
        comments += bool(comment)
    return {
        "answers": total,
        "satisfied": satisfied,
        "dissatisfied": dissatisfied,
        "comments": comments,
        "satisfied_pct": _pct(satisfied, total),
    }


def objectives(agency: "Agency", start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """(d) The quality objectives of the period's years and their latest result measured within the period."""
    from improvement.models import Objective
    from improvement.services import period_label

    rows = []
    for objective in Objective.objects.filter(agency=agency, year__gte=start.year, year__lte=end.year).order_by(
        "year", "id"
    ):
        last = (
            objective.measurements.exclude(value=None)
            .filter(period_end__lte=end, period_end__gte=start)
            .order_by("-period_end")
            .first()
        )
        rows.append(
            {
                "title": objective.title,
                "year": objective.year,
                "target": " ".join(
                    x
                    for x in (
                        str(objective.get_direction_display()),
                        f"{objective.target.normalize():f}".replace(".", ","),
                        str(objective.unit_suffix),
                    )
                    if x
                ),
                "value": float(last.value) if last else None,
                "period": period_label(last.period_start, last.period_end) if last else "",
                "met": objective.meets(last.value) if last else None,
            }
        )
    return rows


def performance(agency: "Agency", start: dt.date, end: dt.date) -> dict[str, Any]:
    """(e) Process performance from the monthly summaries of the months the period touches: on-time rate in all, by
    field and by procedure (the ten with most late), and the steps where delays began."""
    from dossiers.models import LateStepStat, MonthlyStat
    from dossiers.services.analytics import bottlenecks, on_time_summary

    months = {"month__gte": start.replace(day=1), "month__lte": end}
    tables, totals = on_time_summary(
        MonthlyStat.objects.filter(agency=agency, **months), {"field": None, "procedure": 10}
    )

    def rows(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keys = ("label", "received", "completed", "on_time", "late", "rate")
        return [{k: r[k] for k in keys} for r in table]

    return {
        "months": f"{start:%m/%Y} – {end:%m/%Y}",
        "total": {k: totals[k] for k in ("received", "completed", "on_time", "late", "rate")},
        "by_field": rows(tables["field"]),
        "by_procedure": rows(tables["procedure"]),
        "bottlenecks": [
            {"step": b["step_name"], "unit": b["late_unit"], "late": b["n"]}
            for b in bottlenecks(LateStepStat.objects.filter(agency=agency, **months), 5)
        ],
    }


def nonconformities(agency: "Agency", start: dt.date, end: dt.date, as_of: dt.date) -> dict[str, Any]:
    """(f) Nonconformities raised in the period (by source, still open) and the corrective actions due in it."""
    from improvement.models import CorrectiveAction, Nonconformity, Source

    raised = Nonconformity.objects.filter(agency=agency, raised_on__gte=start, raised_on__lte=end)
    labels = dict(Source.choices)
    by_source = Counter(raised.values_list("source", flat=True))
    actions = CorrectiveAction.objects.filter(nonconformity__agency=agency, due_on__gte=start, due_on__lte=end)
    on_time = late = overdue = 0
    for due_on, done_on in actions.values_list("due_on", "done_on"):
        if done_on is not None and done_on <= as_of:
            on_time += done_on <= due_on
            late += done_on > due_on
        elif due_on < as_of:
            overdue += 1
    verified = CorrectiveAction.objects.filter(
        nonconformity__agency=agency, verified_on__gte=start, verified_on__lte=end
    ).values_list("effective", flat=True)
    return {
        "raised": raised.count(),
        "by_source": [{"source": str(labels[k]), "count": n} for k, n in sorted(by_source.items())],
        "still_open": raised.filter(status=Nonconformity.Status.OPEN).count(),
        "actions_due": actions.count(),
        "actions_on_time": on_time,
        "actions_late": late,
        "actions_overdue": overdue,
        "effective": sum(1 for v in verified if v is True),
        "not_effective": sum(1 for v in verified if v is False),
    }


def audit_results(agency: "Agency", start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """(g) The internal audits ended in the period, with their findings by kind."""
    rows = []
    for plan in AuditPlan.objects.filter(
        agency=agency, status=AuditPlan.Status.CLOSED, closed_on__gte=start, closed_on__lte=end
    ).select_related("programme"):
        kinds = Counter(plan.findings.values_list("kind", flat=True))
        rows.append(
            {
                "number": plan.number,
                "title": plan.title,
                "closed_on": _d(plan.closed_on),
                "nc": kinds.get(Finding.Kind.NONCONFORMITY, 0),
                "observation": kinds.get(Finding.Kind.OBSERVATION, 0),
                "ofi": kinds.get(Finding.Kind.IMPROVEMENT, 0),
                "conclusion": plan.conclusion,
            }
        )
    return rows


def resources(agency: "Agency") -> dict[str, Any]:
    """(h) Adequacy of resources: the officials and units eISO knows of (trainings join when eISO records them)."""
    staff = get_user_model().objects.filter(agency=agency, is_active=True).count()
    return {"staff": staff, "units": len(agency_units(agency)), "trainings": None}


def risk_actions(agency: "Agency", start: dt.date, end: dt.date, as_of: dt.date) -> dict[str, Any]:
    """(i) Effectiveness of the actions taken on risks and opportunities: those due in the period, and the open risks
    still above the acceptable level."""
    from improvement.models import Risk, RiskAction
    from improvement.services import above_acceptable, levels

    on_time = late = overdue = 0
    due = RiskAction.objects.filter(risk__agency=agency, due_on__gte=start, due_on__lte=end)
    for due_on, done_on in due.values_list("due_on", "done_on"):
        if done_on is not None and done_on <= as_of:
            on_time += done_on <= due_on
            late += done_on > due_on
        elif due_on < as_of:
            overdue += 1
    above = above_acceptable(Risk.objects.filter(agency=agency), levels(agency.province))
    return {
        "actions_due": due.count(),
        "on_time": on_time,
        "late": late,
        "overdue": overdue,
        "above_acceptable": len(above),
    }


def improvements(agency: "Agency", start: dt.date, end: dt.date) -> list[dict[str, str]]:
    """(j) Opportunities for improvement: those the audits of the period found and the open opportunities of the
    risk register."""
    from improvement.models import Risk

    rows = [
        {"source": _("Đánh giá nội bộ %(n)s") % {"n": f.plan.number}, "text": f.description}
        for f in Finding.objects.filter(
            plan__agency=agency,
            kind=Finding.Kind.IMPROVEMENT,
            plan__status=AuditPlan.Status.CLOSED,
            plan__closed_on__gte=start,
            plan__closed_on__lte=end,
        ).select_related("plan__programme")
    ]
    rows += [
        {"source": _("Sổ rủi ro và cơ hội"), "text": r.description}
        for r in Risk.objects.filter(agency=agency, kind=Risk.Kind.OPPORTUNITY, status=Risk.Status.OPEN).order_by("id")
    ]
    return rows


def compile_inputs(agency: "Agency", start: dt.date, end: dt.date, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every input of §9.3.2 for the period, from the records as they stand (statuses as of the period's end, or today
    while it runs). Written in Vietnamese: the minutes are an administrative record."""
    now = now or timezone.now()
    as_of = min(end, timezone.localdate(now))
    with translation.override("vi"):
        return {
            "as_of": _d(as_of),
            "previous_actions": previous_actions(agency, start, as_of),
            "context": context_changes(agency, start, end),
            "satisfaction": satisfaction(agency, start, end),
            "objectives": objectives(agency, start, end),
            "performance": performance(agency, start, end),
            "nonconformities": nonconformities(agency, start, end, as_of),
            "audits": audit_results(agency, start, end),
            "resources": resources(agency),
            "risks": risk_actions(agency, start, end, as_of),
            "improvements": improvements(agency, start, end),
        }


# -- the meeting -------------------------------------------------------------------------------------------------------
def _check_period(agency: "Agency", start: dt.date, end: dt.date, review: ManagementReview | None) -> None:
    if start is None or end is None:
        raise ValidationError({"period_start": _("Nhập kỳ xem xét.")})
    if end < start:
        raise ValidationError({"period_end": _("Ngày cuối kỳ không được trước ngày đầu kỳ.")})
    overlap = (
        ManagementReview.objects.filter(
            agency=agency, status=ManagementReview.Status.CLOSED, period_start__lte=end, period_end__gte=start
        )
        .exclude(pk=getattr(review, "pk", None))
        .first()
    )
    if overlap is not None:
        raise ValidationError(
            {
                "period_start": _(
                    "Kỳ xem xét trùng với biên bản %(number)s đã ký (%(start)s – %(end)s). Chọn kỳ bắt đầu sau %(end)s."
                )
                % {"number": overlap.number, "start": _d(overlap.period_start), "end": _d(overlap.period_end)}
            }
        )


def _check_member(agency: "Agency", person: Any, field: str) -> None:
    if person is None or person.agency_id != agency.pk or not person.is_active:
        raise ValidationError({field: _("Chọn một cán bộ đang làm việc tại cơ quan.")})


def _draft(review: ManagementReview) -> ManagementReview:
    review = ManagementReview.objects.select_for_update().select_related("agency").get(pk=review.pk)
    if review.status == ManagementReview.Status.CLOSED:
        raise ValidationError(
            _("Biên bản %(n)s đã ký ngày %(d)s, không sửa được.")
            % {"n": review.number, "d": _d(timezone.localdate(review.closed_at))}
        )
    return review


@audit.atomic_as_user
def save_review(
    user: "User", agency: "Agency", data: dict[str, Any], review: ManagementReview | None = None
) -> ManagementReview:
    """Prepare a review (its inputs compiled at once) or change a review not yet signed (compiled again)."""
    if review is None:
        require(user, "evaluation.add_managementreview", agency)
    else:
        review = _draft(review)
        require(user, "evaluation.change_managementreview", review)
    _check_period(agency, data.get("period_start"), data.get("period_end"), review)
    if not (data.get("number") or "").strip():
        raise ValidationError({"number": _("Nhập số biên bản.")})
    same = ManagementReview.objects.filter(agency=agency, number=data["number"].strip())
    if same.exclude(pk=getattr(review, "pk", None)).exists():
        raise ValidationError({"number": _("Số biên bản %(n)s đã được dùng.") % {"n": data["number"].strip()}})
    if data.get("meeting_on") is None or data["meeting_on"] < data["period_start"]:
        raise ValidationError({"meeting_on": _("Ngày họp không được trước đầu kỳ xem xét.")})
    _check_member(agency, data.get("chair"), "chair")
    if not (data.get("participants") or "").strip():
        raise ValidationError({"participants": _("Ghi thành phần tham dự.")})
    review = review or ManagementReview(agency=agency, created_by=user)
    for name in ("number", "period_start", "period_end", "meeting_on", "chair", "participants"):
        value = data.get(name)
        setattr(review, name, value.strip() if isinstance(value, str) else value)
    review.location = (data.get("location") or "").strip()
    review.inputs, review.inputs_at = compile_inputs(agency, review.period_start, review.period_end), timezone.now()
    review.save()
    return review


@audit.atomic_as_user
def recompile(user: "User", review: ManagementReview) -> ManagementReview:
    """Compile the inputs again from the records as they stand now (until the minutes are signed)."""
    review = _draft(review)
    require(user, "evaluation.change_managementreview", review)
    review.inputs, review.inputs_at = (
        compile_inputs(review.agency, review.period_start, review.period_end),
        timezone.now(),
    )
    review.save()
    audit.record(review, AuditEntry.Action.EVENT, {"compiled": True}, actor=user)
    return review


@audit.atomic_as_user
def add_decision(
    user: "User", review: ManagementReview, kind: str, description: str, owner: "User", due_on: dt.date
) -> ReviewDecision:
    review = _draft(review)
    require(user, "evaluation.add_reviewdecision", review)
    if kind not in ReviewDecision.Kind.values:
        raise ValidationError({"kind": _("Chọn loại quyết định.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Nhập nội dung quyết định, hành động.")})
    _check_member(review.agency, owner, "owner")
    if due_on is None or due_on < review.meeting_on:
        raise ValidationError({"due_on": _("Hạn hoàn thành không được trước ngày họp.")})
    return ReviewDecision.objects.create(
        review=review, kind=kind, description=description.strip(), owner=owner, due_on=due_on
    )


@audit.atomic_as_user
def remove_decision(user: "User", decision: ReviewDecision) -> None:
    review = _draft(decision.review)
    require(user, "evaluation.add_reviewdecision", review)
    decision.delete()


@audit.atomic_as_user
def close_review(user: "User", review: ManagementReview, conclusion: str) -> ManagementReview:
    """The head signs the minutes: the conclusion, the decisions and the inputs as last compiled are kept as signed."""
    review = _draft(review)
    require(user, "evaluation.close_managementreview", review, _("Lãnh đạo cơ quan ký biên bản xem xét."))
    if not (conclusion or "").strip():
        raise ValidationError({"conclusion": _("Nêu kết luận về sự phù hợp, thỏa đáng và hiệu lực của HTQLCL.")})
    if not review.decisions.exists():
        raise ValidationError(_("Ghi ít nhất một quyết định hoặc hành động của cuộc họp."))
    if user.pk == review.created_by_id:
        raise ValidationError(_("Người lập biên bản không tự ký biên bản đó."))
    if review.inputs_at is None or timezone.localdate(review.inputs_at) < review.period_end:
        raise ValidationError(_("Đầu vào được tổng hợp trước khi kết thúc kỳ xem xét; hãy tổng hợp lại trước khi ký."))
    _check_period(review.agency, review.period_start, review.period_end, review)
    review.conclusion = conclusion.strip()
    review.status, review.closed_by, review.closed_at = ManagementReview.Status.CLOSED, user, timezone.now()
    review.save()
    from .reports import minutes_content

    review.content = minutes_content(review)  # what the minutes say, kept as signed
    review.save()
    return review


@audit.atomic_as_user
def complete_decision(user: "User", decision: ReviewDecision, done_on: dt.date, note: str) -> ReviewDecision:
    """The owner (or the ISO secretary, the head) records an action of the review done."""
    decision = ReviewDecision.objects.select_for_update().select_related("review__agency").get(pk=decision.pk)
    require(user, "evaluation.change_reviewdecision", decision)
    if decision.owner_id != user.pk and not user.has_perm("evaluation.change_managementreview", decision.review):
        raise ValidationError(_("Chỉ người được giao hoặc thư ký ISO, lãnh đạo ghi nhận kết quả."))
    if decision.review.status != ManagementReview.Status.CLOSED:
        raise ValidationError(_("Biên bản chưa ký: hành động chưa được giao chính thức."))
    if decision.done_on is not None:
        raise ValidationError(_("Hành động đã được ghi nhận hoàn thành ngày %(d)s.") % {"d": _d(decision.done_on)})
    if done_on is None or done_on > timezone.localdate() or done_on < decision.review.meeting_on:
        raise ValidationError({"done_on": _("Ngày hoàn thành phải từ ngày họp đến hôm nay.")})
    if not (note or "").strip():
        raise ValidationError({"done_note": _("Ghi kết quả thực hiện.")})
    decision.done_on, decision.done_note = done_on, note.strip()
    decision.save()
    return decision
