"""Quality objectives (§6.2): periods, plausibility of values, and the measurements computed from eISO's records."""

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit

from ..models import (
    CorrectiveAction,
    Direction,
    Frequency,
    Measure,
    Measurement,
    Objective,
    SurveyResponse,
    Unit,
)

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Agency

# The plausible range of a value of each unit (a measurement outside it is refused, naming the field).
PLAUSIBLE: dict[str, tuple[Decimal, Decimal | None]] = {
    Unit.PERCENT: (Decimal(0), Decimal(100)),
    Unit.COUNT: (Decimal(0), None),
    Unit.DAYS: (Decimal(0), Decimal(366)),
    Unit.HOURS: (Decimal(0), Decimal(8784)),
}
HUNDRED = Decimal(100)


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def periods(year: int, frequency: str) -> list[tuple[dt.date, dt.date]]:
    """The measurement periods of a year: twelve months, four quarters or the year."""
    step = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}[frequency]
    out = []
    for first in range(1, 13, step):
        last = first + step - 1
        out.append((dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])))
    return out


def parse_day(value: str) -> dt.date:
    """A period's first day as the forms send it (ISO)."""
    return dt.date.fromisoformat(value)


def period_label(start: dt.date, end: dt.date) -> str:
    if start.month == end.month:
        return f"{start:%m/%Y}"
    if start.month == 1 and end.month == 12:
        return str(start.year)
    return _("Quý %(q)s/%(y)s") % {"q": (start.month - 1) // 3 + 1, "y": start.year}


def check_plausible(unit: str, value: Decimal | None, field: str) -> None:
    """Refuse a value outside its unit's plausible range (e.g. 140 %), naming the field."""
    if value is None:
        raise ValidationError({field: _("Nhập giá trị.")})
    value = Decimal(value)
    low, high = PLAUSIBLE[unit]
    label = dict(Unit.choices)[unit]
    if value < low or (high is not None and value > high):
        if high is None:
            message = _("Giá trị %(v)s không hợp lý: đơn vị “%(u)s” không nhận số âm.")
        else:
            message = _("Giá trị %(v)s không hợp lý: đơn vị “%(u)s” chỉ nhận từ %(low)s đến %(high)s.")
        raise ValidationError({field: message % {"v": value, "u": label, "low": low, "high": high}})
    if unit == Unit.COUNT and value != value.to_integral_value():
        raise ValidationError({field: _("Số lượng phải là số nguyên.")})


# -- the objective itself -----------------------------------------------------------------------------------------
OBJECTIVE_FIELDS = (
    "year",
    "title",
    "measure",
    "field",
    "procedure",
    "direction",
    "target",
    "unit",
    "frequency",
    "owner",
    "plan_actions",
    "plan_resources",
    "plan_responsible",
    "plan_due",
)


def _check_objective(objective: Objective) -> None:
    errors: dict[str, str] = {}
    agency = objective.agency
    if objective.owner_id and objective.owner.agency_id != agency.pk:
        errors["owner"] = _("Người chịu trách nhiệm phải là cán bộ của cơ quan.")
    if objective.automatic and objective.unit != Unit.PERCENT:
        errors["unit"] = _("Mục tiêu đo tự động được tính theo tỷ lệ phần trăm (%).")
    if objective.procedure_id and objective.procedure.province_id != agency.province_id:
        errors["procedure"] = _("Thủ tục không thuộc bộ thủ tục của tỉnh.")
    if objective.measure not in (Measure.DOSSIERS_ON_TIME, Measure.SATISFACTION) and objective.procedure_id:
        errors["procedure"] = _("Chỉ mục tiêu về hồ sơ hoặc về sự hài lòng mới giới hạn theo thủ tục.")
    if objective.measure != Measure.DOSSIERS_ON_TIME and objective.field_id:
        errors["field"] = _("Chỉ mục tiêu về hồ sơ đúng hạn mới giới hạn theo lĩnh vực.")
    if not 2000 <= (objective.year or 0) <= 2100:
        errors["year"] = _("Năm không hợp lệ.")
    if objective.plan_due and objective.year and objective.plan_due.year > objective.year + 1:
        errors["plan_due"] = _("Thời hạn của kế hoạch quá xa so với năm của mục tiêu.")
    if errors:
        raise ValidationError(errors)
    try:
        check_plausible(objective.unit, objective.target, "target")
    except ValidationError as exc:
        raise ValidationError({"target": _("Chỉ tiêu: %(m)s") % {"m": exc.message_dict["target"][0]}}) from None


@audit.atomic_as_user
def save_objective(
    user: "User", agency: "Agency", data: dict[str, Any], objective: Objective | None = None
) -> Objective:
    """Create an objective of `agency` (or change `objective`); an automatic one is measured at once."""
    if objective is not None and objective.pk and objective.measurements.exists():
        # What the stored measurements were measured as stays: a new way of measuring is a new objective.
        stored = Objective.objects.get(pk=objective.pk)
        for name in ("year", "measure", "frequency", "unit", "field", "procedure"):
            if name in data and data[name] != getattr(stored, name):
                raise ValidationError(
                    {
                        name: _(
                            "Mục tiêu đã có kết quả đo: không đổi năm, cách đo, tần suất, đơn vị hay phạm vi; "
                            "lập mục tiêu mới nếu cần."
                        )
                    }
                )
    objective = objective or Objective(agency=agency)
    for name in OBJECTIVE_FIELDS:
        if name in data:
            setattr(objective, name, data[name])
    _check_objective(objective)
    objective.save()
    if objective.automatic:
        recompute(objective)
    return objective


# -- measurements ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    basis: str


def _rate(part: int, whole: int, basis: str) -> Figure:
    if not whole:
        return Figure(None, basis)
    return Figure(_q(HUNDRED * part / whole), basis)


def dossiers_on_time(objective: Objective, start: dt.date, end: dt.date) -> Figure:
    """On-time share of the dossiers the agency settled in the period (the monthly summary: by month of return or
    refusal), in its field or procedure when the objective names one."""
    from dossiers.models import MonthlyStat

    stats = MonthlyStat.objects.filter(agency=objective.agency, month__gte=start.replace(day=1), month__lte=end)
    if objective.field_id:
        stats = stats.filter(field_id=objective.field_id)
    if objective.procedure_id:
        stats = stats.filter(procedure_id=objective.procedure_id)
    sums = stats.aggregate(on_time=Sum("on_time"), completed=Sum("completed"))
    on_time, completed = sums["on_time"] or 0, sums["completed"] or 0
    return _rate(on_time, completed, _("%(a)s/%(b)s hồ sơ đúng hạn") % {"a": on_time, "b": completed})


def documents_reviewed(objective: Objective, start: dt.date, end: dt.date, as_of: dt.date) -> Figure:
    """Share of the agency's documents in force (its own, not external ones) that are not past their review date
    nor flagged for an update, on `as_of` (a state, so measured for the period that holds the day)."""
    from documents.models import Document, DocumentType

    docs = Document.objects.in_force().filter(agency=objective.agency).exclude(doc_type=DocumentType.EXTERNAL)
    total = docs.count()
    overdue = docs.filter(Q(review_due__lt=as_of) | Q(needs_review=True)).count()
    return _rate(
        total - overdue, total, _("%(a)s/%(b)s tài liệu xem xét đúng hạn") % {"a": total - overdue, "b": total}
    )


def satisfaction(objective: Objective, start: dt.date, end: dt.date) -> Figure:
    """Share of the survey answers of the period rating the agency 4 or 5 overall (of its procedure, if named)."""
    answers = SurveyResponse.objects.filter(
        agency=objective.agency, submitted_at__date__gte=start, submitted_at__date__lte=end
    )
    if objective.procedure_id:
        answers = answers.filter(procedure_id=objective.procedure_id)
    total = answers.count()
    satisfied = answers.filter(overall__gte=4).count()
    return _rate(satisfied, total, _("%(a)s/%(b)s phiếu hài lòng") % {"a": satisfied, "b": total})


def actions_on_time(objective: Objective, start: dt.date, end: dt.date, as_of: dt.date) -> Figure:
    """Share of the corrective actions due in the period (up to `as_of`) that were done by their due date."""
    due = CorrectiveAction.objects.filter(
        nonconformity__agency=objective.agency, due_on__gte=start, due_on__lte=min(end, as_of)
    )
    total = due.count()
    on_time = due.filter(done_on__isnull=False, done_on__lte=F("due_on")).count()
    return _rate(on_time, total, _("%(a)s/%(b)s hành động đúng hạn") % {"a": on_time, "b": total})


def compute(objective: Objective, start: dt.date, end: dt.date, as_of: dt.date) -> Figure:
    """The value of an automatic objective for one period, from the records as of `as_of`."""
    measure = objective.measure
    if measure == Measure.DOSSIERS_ON_TIME:
        return dossiers_on_time(objective, start, min(end, as_of))
    if measure == Measure.DOCUMENTS_REVIEWED:
        return documents_reviewed(objective, start, end, as_of)
    if measure == Measure.SATISFACTION:
        return satisfaction(objective, start, min(end, as_of))
    if measure == Measure.ACTIONS_ON_TIME:
        return actions_on_time(objective, start, end, as_of)
    raise ValueError(measure)


def recompute(objective: Objective, as_of: dt.date | None = None) -> int:
    """Compute the measurements of an automatic objective for every period begun by `as_of` (today); a stored value
    that did not change is left alone. A state measured on a day (documents) is computed for the period that holds
    `as_of` only: earlier periods keep what was measured while they ran. Returns the measurements written."""
    if not objective.automatic:
        return 0
    as_of = as_of or timezone.localdate()
    stored = {m.period_start: m for m in objective.measurements.all()}
    written = 0
    for start, end in periods(objective.year, objective.frequency):
        if start > as_of:
            break
        if objective.measure == Measure.DOCUMENTS_REVIEWED and end < as_of and start in stored:
            continue
        figure = compute(objective, start, end, as_of)
        day = min(end, as_of)
        old = stored.get(start)
        if old is None and figure.value is None:
            continue  # nothing to measure yet (no dossier settled, no answer): no row rather than a false 0 %
        if old is not None and old.value == figure.value and old.basis == figure.basis:
            continue
        measurement = old or Measurement(objective=objective, period_start=start, period_end=end)
        measurement.value, measurement.basis, measurement.period_end = figure.value, figure.basis, end
        measurement.source, measurement.as_of, measurement.entered_by = Measurement.Source.COMPUTED, day, None
        measurement.save()
        written += 1
    return written


@audit.atomic_as_user
def recompute_for(user: "User", objective: Objective) -> int:
    """On demand (the "Tính lại" button): the same computation, attributed to the user who asked."""
    return recompute(objective)


def recompute_all(year: int | None = None, as_of: dt.date | None = None) -> int:
    """Every automatic objective of the year (the periodic task); one transaction per objective."""
    from django.db import transaction

    as_of = as_of or timezone.localdate()
    # In January last year's objectives are measured too: December's last returns and late imports complete them.
    years = [year] if year else ([as_of.year - 1, as_of.year] if as_of.month == 1 else [as_of.year])
    written = 0
    for objective in Objective.objects.filter(year__in=years).exclude(measure=Measure.MANUAL).select_related("agency"):
        with transaction.atomic():
            written += recompute(objective, as_of)
    return written


@audit.atomic_as_user
def record_measurement(
    user: "User", objective: Objective, period_start: dt.date, value: Decimal | None, note: str = ""
) -> Measurement:
    """A manual objective's value for one of its periods, checked against its unit's plausible range."""
    if objective.automatic:
        raise ValidationError(_("Mục tiêu này được tính tự động từ dữ liệu, không nhập tay."))
    spans = dict(periods(objective.year, objective.frequency))
    if period_start not in spans:
        raise ValidationError({"period_start": _("Kỳ đo không thuộc các kỳ của mục tiêu.")})
    if period_start > timezone.localdate():
        raise ValidationError({"period_start": _("Kỳ đo chưa bắt đầu.")})
    check_plausible(objective.unit, value, "value")
    measurement, _created = Measurement.objects.get_or_create(
        objective=objective,
        period_start=period_start,
        defaults={
            "period_end": spans[period_start],
            "source": Measurement.Source.MANUAL,
            "as_of": min(spans[period_start], timezone.localdate()),
            "value": value,
            "entered_by": user,
            "note": note,
        },
    )
    if not _created:
        measurement.value, measurement.note, measurement.entered_by = value, note, user
        measurement.source, measurement.basis = Measurement.Source.MANUAL, ""
        measurement.period_end = spans[period_start]
        measurement.as_of = min(spans[period_start], timezone.localdate())
        measurement.save()
    return measurement


# -- reading ---------------------------------------------------------------------------------------------------------
def latest(objective: Objective) -> Measurement | None:
    """The latest measurement with a value."""
    return objective.measurements.exclude(value=None).order_by("-period_start").first()


def with_status(objectives: QuerySet[Objective]) -> list[Objective]:
    """The objectives with `last` (latest measurement with a value) and `on_target` (True, False, None: not yet
    measured), in two queries."""
    objectives = list(objectives.select_related("owner", "field", "procedure"))
    last: dict[int, Measurement] = {}
    for m in Measurement.objects.filter(objective__in=objectives).exclude(value=None).order_by("period_start"):
        last[m.objective_id] = m
    for objective in objectives:
        objective.last = last.get(objective.pk)
        objective.on_target = objective.meets(objective.last.value) if objective.last else None
    return objectives


def trend(objective: Objective) -> dict[str, list[Any]]:
    """The chart of an objective: every period's label, value (None where not measured) and the target."""
    stored = {m.period_start: m for m in objective.measurements.all()}
    labels, values = [], []
    for start, end in periods(objective.year, objective.frequency):
        labels.append(period_label(start, end))
        m = stored.get(start)
        values.append(float(m.value) if m and m.value is not None else None)
    return {
        "labels": labels,
        "values": values,
        "target": float(objective.target),
        "direction": "≥" if objective.direction == Direction.AT_LEAST else "≤",
    }
