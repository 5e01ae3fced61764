"""Citizens' satisfaction (§9.1.2): the public survey with its abuse control, the results, and the satisfaction
indicator as the national index of service to citizens and businesses computes it (Decision 766/QĐ-TTg):
100 % − (share of dossiers late + share of answers dissatisfied), never below 0."""

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import SurveyRefusal, SurveyResponse

if TYPE_CHECKING:
    from organizations.models import Agency

HUNDRED = Decimal(100)


class Refused(Exception):
    """An answer the abuse control refused (counted in SurveyRefusal, not stored)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass(frozen=True)
class Answer:
    overall: int
    on_time: str
    attitude: int
    guidance: int
    comment: str = ""
    dossier_code: str = ""
    honeypot: str = ""


def _count_refusal(agency: "Agency", reason: str) -> None:
    """One more refused answer of the agency today, for this reason (an increment: a flood writes no row per try)."""
    day = timezone.localdate()
    counted = SurveyRefusal.objects.filter(agency=agency, day=day, reason=reason)
    with transaction.atomic():
        if counted.update(count=F("count") + 1):
            return
        try:
            with transaction.atomic():
                SurveyRefusal.objects.create(agency=agency, day=day, reason=reason, count=1)
        except IntegrityError:  # created meanwhile by another request
            counted.update(count=F("count") + 1)


def _over_limit(key: str, limit: int, window: int) -> bool:
    """Count one more use of `key` in its window; True once the count passes `limit`."""
    cache.add(key, 0, window)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        used = 1
    return used > limit


def submit(
    agency: "Agency", answer: Answer, address: str | None, submitted_at: dt.datetime | None = None
) -> SurveyResponse:
    """Store one answer, unless the abuse control refuses it: the honeypot filled (a robot), too many answers from
    the address within the hour, or a dossier code answered already. A refusal is counted, never stored.
    `submitted_at`: the moment of the answer (now; the demo replays a year of answers)."""
    from dossiers.models import Dossier

    limits = settings.EISO
    if answer.honeypot:
        _count_refusal(agency, "honeypot")
        raise Refused("honeypot", _("Phiếu không hợp lệ."))
    digest = hashlib.sha256(f"{agency.pk}|{address or '-'}".encode()).hexdigest()[:32]
    if _over_limit(f"survey:addr:{digest}", limits["SURVEY_PER_ADDRESS_HOUR"], 3600):
        _count_refusal(agency, "address")
        raise Refused("address", _("Bạn đã gửi nhiều phiếu trong một giờ. Xin vui lòng thử lại sau."))
    code = (answer.dossier_code or "").strip().upper()[:60]
    errors = {}
    for name in ("overall", "attitude", "guidance"):
        if getattr(answer, name) not in (1, 2, 3, 4, 5):
            errors[name] = _("Chọn một mức từ 1 đến 5.")
    if answer.on_time not in SurveyResponse.OnTime.values:
        errors["on_time"] = _("Chọn một câu trả lời.")
    if len(answer.comment or "") > 2000:
        errors["comment"] = _("Ý kiến dài quá 2.000 ký tự.")
    if errors:
        raise ValidationError(errors)
    dossier = Dossier.objects.filter(agency=agency, code__iexact=code).first() if code else None
    if code:
        used = SurveyResponse.objects.filter(agency=agency, dossier_code=code).count()
        if used >= limits["SURVEY_PER_DOSSIER"]:
            _count_refusal(agency, "dossier")
            raise Refused("dossier", _("Hồ sơ %(code)s đã được đánh giá. Cảm ơn bạn.") % {"code": code})
    with transaction.atomic():
        return SurveyResponse.objects.create(
            agency=agency,
            submitted_at=submitted_at or timezone.now(),
            dossier_code=code,
            dossier=dossier,
            procedure_id=dossier.procedure_id if dossier else None,
            overall=answer.overall,
            on_time=answer.on_time,
            attitude=answer.attitude,
            guidance=answer.guidance,
            comment=(answer.comment or "").strip(),
        )


# -- results -------------------------------------------------------------------------------------------------------
def _pct(part: int, whole: int) -> Decimal | None:
    return (HUNDRED * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if whole else None


def _summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for r in rows:
        r["satisfied_pct"] = _pct(r["satisfied"], r["answers"])
        r["dissatisfied_pct"] = _pct(r["dissatisfied"], r["answers"])
        for name in ("avg_overall", "avg_attitude", "avg_guidance"):
            r[name] = round(r[name], 2) if r[name] is not None else None
    return rows


COUNTS = {
    "answers": Count("id"),
    "satisfied": Count("id", filter=Q(overall__gte=4)),
    "dissatisfied": Count("id", filter=Q(overall__lte=2)),
    "avg_overall": Avg("overall"),
    "avg_attitude": Avg("attitude"),
    "avg_guidance": Avg("guidance"),
}


def indicator(late_pct: Decimal | None, dissatisfied_pct: Decimal | None) -> Decimal | None:
    """Decision 766/QĐ-TTg's satisfaction indicator: 100 − (late % + dissatisfied %), at least 0."""
    if late_pct is None and dissatisfied_pct is None:
        return None
    value = HUNDRED - (late_pct or 0) - (dissatisfied_pct or 0)
    return max(value, Decimal(0)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def results(answers: QuerySet[SurveyResponse], stats: QuerySet, year: int) -> dict[str, Any]:
    """The year's answers by month (with the late share of the dossiers settled that month, from the monthly summary
    `stats`, and the indicator), by procedure, and in all."""
    answers = answers.filter(submitted_at__year=year)
    zone = timezone.get_current_timezone()
    by_month: dict[dt.date, dict[str, Any]] = {}
    for r in answers.order_by().annotate(m=TruncMonth("submitted_at", tzinfo=zone)).values("m").annotate(**COUNTS):
        month = r.pop("m")
        by_month[month.date() if isinstance(month, dt.datetime) else month] = r
    late: dict[dt.date, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for r in (
        stats.filter(month__year=year).order_by().values("month").annotate(late=Sum("late"), done=Sum("completed"))
    ):
        late[r["month"]] = (r["late"] or 0, r["done"] or 0)
    months = []
    for m in range(1, 13):
        month = dt.date(year, m, 1)
        row = by_month.get(month, {"answers": 0, "satisfied": 0, "dissatisfied": 0, **dict.fromkeys(COUNTS)})
        row = {**row, "answers": row["answers"] or 0, "satisfied": row["satisfied"] or 0}
        row["dissatisfied"] = row["dissatisfied"] or 0
        row["month"] = month
        row["late"], row["completed"] = late[month]
        row["late_pct"] = _pct(*late[month])
        months.append(row)
    _summarise(months)
    for row in months:
        row["indicator"] = indicator(row["late_pct"], row["dissatisfied_pct"])
    by_procedure = _summarise(
        list(
            answers.exclude(procedure=None)
            .order_by()
            .values("procedure_id", "procedure__name")
            .annotate(**COUNTS)
            .order_by("-answers", "procedure__name")
        )
    )
    total = _summarise([answers.aggregate(**COUNTS)])[0]
    total["late"] = sum(v[0] for k, v in late.items())
    total["completed"] = sum(v[1] for k, v in late.items())
    total["late_pct"] = _pct(total["late"], total["completed"])
    total["indicator"] = indicator(total["late_pct"], total["dissatisfied_pct"])
    return {"months": [m for m in months if m["answers"] or m["completed"]], "procedures": by_procedure, "total": total}


def refusals(agencies: QuerySet, year: int) -> dict[str, int]:
    rows = SurveyRefusal.objects.filter(agency__in=agencies, day__year=year).values("reason").annotate(n=Sum("count"))
    return {r["reason"]: r["n"] for r in rows}
