"""Nonconformities and corrective actions (§10.2), and the nonconformities eISO proposes from late dossiers."""

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit

from ..models import CorrectiveAction, LatePattern, Nonconformity, Objective, Source, SurveyResponse

if TYPE_CHECKING:
    from accounts.models import User
    from dossiers.models import Dossier
    from organizations.models import Agency

WHYS = 5


def _locked[M](obj: M) -> M:
    """The record again, locked for this transaction: two officials deciding at once decide once."""
    return type(obj).objects.select_for_update().get(pk=obj.pk)


def _check_person(agency: "Agency", person: "User", field: str) -> None:
    if person is None or person.agency_id != agency.pk or not person.is_active:
        raise ValidationError({field: _("Phải là cán bộ đang làm việc tại cơ quan.")})


@audit.atomic_as_user
def raise_nonconformity(
    user: "User",
    agency: "Agency",
    title: str,
    raised_on: dt.date,
    *,
    description: str = "",
    source: str = Source.MANUAL,
    dossier: "Dossier | None" = None,
    objective: Objective | None = None,
    feedback: SurveyResponse | None = None,
    containment: str = "",
) -> Nonconformity:
    """Raise a nonconformity in `agency`, numbered in its year (KPH-2026/001), linked to where it came from."""
    from organizations.models import Agency

    if not (title or "").strip():
        raise ValidationError({"title": _("Nhập nội dung không phù hợp.")})
    if raised_on is None or raised_on > timezone.localdate():
        raise ValidationError({"raised_on": _("Ngày phát hiện không được sau hôm nay.")})
    links = {Source.LATE_DOSSIERS: dossier, Source.OBJECTIVE: objective, Source.FEEDBACK: feedback}
    for kind, link in links.items():
        if link is not None and getattr(link, "agency_id", None) != agency.pk:
            raise ValidationError({"source": _("Nguồn phát hiện không thuộc cơ quan.")})
        if link is not None and source != kind:
            raise ValidationError({"source": _("Nguồn phát hiện không khớp với hồ sơ, mục tiêu hoặc phiếu được gắn.")})
    if source == Source.LATE_DOSSIERS and dossier is not None and not dossier.is_late and not dossier.late_step:
        raise ValidationError({"dossier": _("Hồ sơ %(code)s không trễ hạn.") % {"code": dossier.code}})
    if source == Source.FEEDBACK and feedback is not None and not feedback.dissatisfied and not feedback.comment:
        raise ValidationError({"feedback": _("Phiếu khảo sát này không phản ánh sự không hài lòng.")})
    if feedback is not None and Nonconformity.objects.filter(feedback=feedback).exists():
        raise ValidationError({"feedback": _("Đã lập phiếu sự không phù hợp từ phiếu khảo sát này.")})
    if objective is not None and not any(
        objective.meets(m.value) is False for m in objective.measurements.exclude(value=None)
    ):
        raise ValidationError({"objective": _("Mục tiêu chưa có kỳ đo nào không đạt chỉ tiêu.")})
    Agency.objects.select_for_update().filter(pk=agency.pk).first()  # numbers are given one at a time
    year = raised_on.year
    seq = (Nonconformity.objects.filter(agency=agency, year=year).aggregate(m=Max("seq"))["m"] or 0) + 1
    return Nonconformity.objects.create(
        agency=agency,
        year=year,
        seq=seq,
        title=title.strip(),
        description=description,
        source=source,
        dossier=dossier,
        objective=objective,
        feedback=feedback,
        raised_on=raised_on,
        raised_by=user,
        containment=containment,
    )


def _open(nc: Nonconformity) -> None:
    if nc.status == Nonconformity.Status.CLOSED:
        raise ValidationError(_("Sự không phù hợp %(n)s đã đóng.") % {"n": nc.number})


@audit.atomic_as_user
def analyse(user: "User", nc: Nonconformity, containment: str, whys: list[str], root_cause: str) -> Nonconformity:
    """Containment, the five whys (empty ones dropped) and the root cause."""
    nc = _locked(nc)
    _open(nc)
    whys = [w.strip() for w in whys if w and w.strip()][:WHYS]
    if root_cause.strip() and not whys:
        raise ValidationError(
            {"why_1": _("Phân tích ít nhất một câu hỏi “tại sao” trước khi kết luận nguyên nhân gốc.")}
        )
    nc.containment, nc.whys, nc.root_cause = containment, whys, root_cause.strip()
    nc.save()
    return nc


@audit.atomic_as_user
def add_action(user: "User", nc: Nonconformity, description: str, owner: "User", due_on: dt.date) -> CorrectiveAction:
    nc = _locked(nc)
    _open(nc)
    if not (description or "").strip():
        raise ValidationError({"description": _("Nhập hành động khắc phục.")})
    _check_person(nc.agency, owner, "owner")
    if due_on is None or due_on < nc.raised_on:
        raise ValidationError(
            {"due_on": _("Hạn hoàn thành không được trước ngày phát hiện (%(d)s).") % {"d": f"{nc.raised_on:%d/%m/%Y}"}}
        )
    return CorrectiveAction.objects.create(
        nonconformity=nc, description=description.strip(), owner=owner, due_on=due_on
    )


@audit.atomic_as_user
def complete_action(user: "User", action: CorrectiveAction, done_on: dt.date, note: str) -> CorrectiveAction:
    """The action's owner reports it done (a verification of an earlier round stays in the audit trail)."""
    action = _locked(action)
    nc = action.nonconformity
    _open(nc)
    if action.owner_id != user.pk:
        raise PermissionDenied(_("Chỉ người thực hiện hành động mới báo cáo hoàn thành."))
    if action.done_on is not None:
        raise ValidationError(_("Hành động đã được báo cáo hoàn thành."))
    if done_on is None or done_on < nc.raised_on or done_on > timezone.localdate():
        raise ValidationError({"done_on": _("Ngày hoàn thành phải từ ngày phát hiện đến hôm nay.")})
    if not (note or "").strip():
        raise ValidationError({"done_note": _("Nêu kết quả thực hiện.")})
    action.done_on, action.done_note = done_on, note.strip()
    action.verified_by, action.verified_on, action.effective, action.verification_note = None, None, None, ""
    action.save()
    return action


@audit.atomic_as_user
def verify_action(
    user: "User", action: CorrectiveAction, effective: bool, note: str, verified_on: dt.date | None = None
) -> CorrectiveAction:
    """Someone other than the owner checks that a done action removed the cause. Not effective: the action is open
    again for its owner (this verification stays in the audit trail)."""
    action = _locked(action)
    nc = action.nonconformity
    _open(nc)
    if action.owner_id == user.pk:
        raise ValidationError({"effective": _("Người thực hiện không tự kiểm tra hiệu lực hành động của mình.")})
    if action.done_on is None:
        raise ValidationError(_("Hành động chưa hoàn thành: chưa thể kiểm tra hiệu lực."))
    if action.effective is not None:
        raise ValidationError(_("Hành động đã được kiểm tra hiệu lực."))
    verified_on = verified_on or timezone.localdate()
    if verified_on < action.done_on:
        raise ValidationError({"verified_on": _("Ngày kiểm tra không được trước ngày hoàn thành.")})
    if not effective and not (note or "").strip():
        raise ValidationError({"verification_note": _("Nêu vì sao hành động chưa có hiệu lực.")})
    action.verified_by, action.verified_on, action.effective = user, verified_on, effective
    action.verification_note = (note or "").strip()
    action.save()
    if not effective:
        action.done_on = None  # back to its owner; the round just verified is in the trail
        action.save()
    return action


def closing_problems(nc: Nonconformity) -> list[str]:
    """Why the nonconformity cannot be closed yet (empty: it can)."""
    actions = list(nc.actions.all())
    problems = []
    if not nc.root_cause:
        problems.append(_("Chưa xác định nguyên nhân gốc."))
    if not actions:
        problems.append(_("Chưa có hành động khắc phục."))
    pending = [a for a in actions if a.effective is not True]
    if pending:
        problems.append(_("%(n)s hành động chưa được kiểm tra là có hiệu lực.") % {"n": len(pending)})
    return problems


@audit.atomic_as_user
def close_nonconformity(user: "User", nc: Nonconformity, closed_on: dt.date | None = None) -> Nonconformity:
    nc = _locked(nc)
    _open(nc)
    problems = closing_problems(nc)
    if problems:
        raise ValidationError(" ".join(problems))
    closed_on = closed_on or timezone.localdate()
    if closed_on < nc.raised_on:
        raise ValidationError({"closed_on": _("Ngày đóng không được trước ngày phát hiện.")})
    nc.status, nc.closed_on, nc.closed_by = Nonconformity.Status.CLOSED, closed_on, user
    nc.save()
    return nc


def overdue_actions(actions: QuerySet[CorrectiveAction], today: dt.date | None = None) -> QuerySet[CorrectiveAction]:
    today = today or timezone.localdate()
    return actions.filter(done_on=None, due_on__lt=today, nonconformity__status=Nonconformity.Status.OPEN)


# -- proposals from late dossiers ----------------------------------------------------------------------------------
def _months(as_of: dt.date) -> list[dt.date]:
    first = as_of.replace(day=1)
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    return [previous, first]


def late_pattern_counts(months: list[dt.date], agencies: QuerySet | None = None) -> dict[tuple, int]:
    """{(agency_id, procedure_id, step, month): late dossiers} of the months, the month being that of the delay as
    the late-step summary counts it (dossiers.services.late_at)."""
    from django.db.models.functions import TruncMonth

    from dossiers.models import Dossier
    from dossiers.services import late_at

    start = dt.datetime.combine(months[0], dt.time(), timezone.get_current_timezone())
    dossiers = Dossier.objects.exclude(late_step="").filter(last_event_at__gte=start)
    if agencies is not None:
        dossiers = dossiers.filter(agency__in=agencies)
    rows = (
        dossiers.order_by()
        .alias(late_at=late_at())
        .annotate(m=TruncMonth("late_at", tzinfo=timezone.get_current_timezone()))
        .values("agency_id", "procedure_id", "late_step", "m")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple, int] = defaultdict(int)
    for r in rows:
        month = r["m"].date() if isinstance(r["m"], dt.datetime) else r["m"]
        if month in months:
            counts[(r["agency_id"], r["procedure_id"], r["late_step"], month)] += r["n"]
    return counts


def propose_from_late_dossiers(as_of: dt.date | None = None, agencies: QuerySet | None = None) -> int:
    """Propose a nonconformity where one step of one procedure was late in NC_LATE_PATTERN_MIN or more dossiers of
    a month (this month and the last). Once per procedure, step and month: a proposal still waiting takes the new
    count; a decided one is left as decided. Returns the proposals made."""
    from procedures.models import ProcessStep

    as_of = as_of or timezone.localdate()
    minimum = settings.EISO["NC_LATE_PATTERN_MIN"]
    counts = {k: n for k, n in late_pattern_counts(_months(as_of), agencies).items() if n >= minimum}
    names = {
        (agency_id, procedure_id, code): name
        for agency_id, procedure_id, code, name in ProcessStep.objects.filter(
            code__in={k[2] for k in counts}, process__agency_id__in={k[0] for k in counts}
        ).values_list("process__agency_id", "process__procedure_id", "code", "name")
    }
    made = 0
    for (agency_id, procedure_id, step, month), n in sorted(counts.items(), key=lambda kv: kv[0][3]):
        with transaction.atomic():
            pattern, created = LatePattern.objects.get_or_create(
                agency_id=agency_id,
                procedure_id=procedure_id,
                step=step,
                month=month,
                defaults={"count": n, "step_name": names.get((agency_id, procedure_id, step), "")},
            )
            made += created
            if not created and pattern.status == LatePattern.Status.PROPOSED and pattern.count != n:
                pattern.count = n
                pattern.save()
    return made


def pattern_dossiers(pattern: LatePattern) -> QuerySet:
    """The late dossiers a proposal counted."""
    from dossiers.models import Dossier
    from dossiers.services import late_at

    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(pattern.month, dt.time(), zone)
    end = dt.datetime.combine((pattern.month + dt.timedelta(days=32)).replace(day=1), dt.time(), zone)
    return (
        Dossier.objects.filter(agency=pattern.agency, procedure=pattern.procedure, late_step=pattern.step)
        .alias(late_at=late_at())
        .filter(late_at__gte=start, late_at__lt=end)
        .order_by("received_at")
    )


def _undecided(pattern: LatePattern) -> None:
    if pattern.status != LatePattern.Status.PROPOSED:
        raise ValidationError(_("Đề xuất này đã được quyết định."))


@audit.atomic_as_user
def accept_pattern(user: "User", pattern: LatePattern) -> Nonconformity:
    """The ISO secretary accepts a proposal: a nonconformity is raised, linked to the proposal and its first dossier."""
    pattern = _locked(pattern)
    _undecided(pattern)
    first = pattern_dossiers(pattern).first()
    step = pattern.step_name or pattern.step
    nc = raise_nonconformity(
        user,
        pattern.agency,
        _("Bước “%(step)s” của thủ tục “%(proc)s” trễ hạn ở %(n)s hồ sơ trong tháng %(m)s")
        % {"step": step, "proc": pattern.procedure.name, "n": pattern.count, "m": f"{pattern.month:%m/%Y}"},
        timezone.localdate(),
        source=Source.LATE_DOSSIERS,
        dossier=first,
        description=_("Đề xuất tự động của eISO từ dữ liệu hồ sơ trễ hạn."),
    )
    pattern.status, pattern.decided_by, pattern.decided_at = LatePattern.Status.ACCEPTED, user, timezone.now()
    pattern.nonconformity = nc
    pattern.save()
    return nc


@audit.atomic_as_user
def dismiss_pattern(user: "User", pattern: LatePattern, reason: str) -> LatePattern:
    pattern = _locked(pattern)
    _undecided(pattern)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Nêu lý do bỏ qua đề xuất.")})
    pattern.status, pattern.decided_by, pattern.decided_at = LatePattern.Status.DISMISSED, user, timezone.now()
    pattern.reason = reason.strip()
    pattern.save()
    return pattern
