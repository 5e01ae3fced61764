"""Risks and opportunities (§6.1): the province's matrix levels, the register and its treatment actions, the heat
map."""

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit

from ..models import Risk, RiskAction, RiskLevel

if TYPE_CHECKING:
    from accounts.models import User
    from organizations.models import Agency, Province

# The matrix a province starts with (likelihood × impact on a 1-5 scale); the oversight body adjusts the levels.
DEFAULT_LEVELS = [
    (gettext_noop("Thấp"), 1, RiskLevel.Colour.GREEN, True),
    (gettext_noop("Trung bình"), 5, RiskLevel.Colour.YELLOW, True),
    (gettext_noop("Cao"), 10, RiskLevel.Colour.ORANGE, False),
    (gettext_noop("Rất cao"), 17, RiskLevel.Colour.RED, False),
]


def scale() -> int:
    return settings.EISO["RISK_SCALE"]


def seed_levels(province: "Province") -> None:
    """Give a new province the starting matrix (DEFAULT_LEVELS); its oversight body adjusts it afterwards."""
    if RiskLevel.objects.filter(province=province).exists():
        return
    for name, min_score, colour, acceptable in DEFAULT_LEVELS:
        RiskLevel.objects.create(
            province=province, name=_(name), min_score=min_score, colour=colour, acceptable=acceptable
        )


def on_province_saved(sender: type, instance: "Province", created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        seed_levels(instance)


def levels(province: "Province") -> list[RiskLevel]:
    """The province's levels by score (read only: a province gets its levels when it is created)."""
    found = list(RiskLevel.objects.filter(province=province).order_by("min_score"))
    if not found:  # not seeded (data restored from elsewhere): the starting matrix, unsaved
        found = [
            RiskLevel(province=province, name=_(n), min_score=m, colour=c, acceptable=a)
            for n, m, c, a in DEFAULT_LEVELS
        ]
    return found


def level_of(score: int, ordered: list[RiskLevel]) -> RiskLevel | None:
    chosen = None
    for level in ordered:
        if score >= level.min_score:
            chosen = level
    return chosen


@audit.atomic_as_user
def save_level(user: "User", level: RiskLevel, data: dict[str, Any]) -> RiskLevel:
    for name in ("name", "min_score", "colour", "acceptable"):
        setattr(level, name, data[name])
    top = scale() * scale()
    if not 1 <= level.min_score <= top:
        raise ValidationError({"min_score": _("Điểm phải từ 1 đến %(top)s.") % {"top": top}})
    clash = RiskLevel.objects.filter(province=level.province, min_score=level.min_score).exclude(pk=level.pk)
    if clash.exists():
        raise ValidationError({"min_score": _("Đã có mức bắt đầu từ %(n)s điểm.") % {"n": level.min_score}})
    level.save()
    return level


RISK_FIELDS = (
    "kind",
    "process",
    "document",
    "procedure",
    "description",
    "cause",
    "consequence",
    "likelihood",
    "impact",
    "owner",
    "review_on",
    "status",
    "identified_on",
)


@audit.atomic_as_user
def save_risk(user: "User", agency: "Agency", data: dict[str, Any], risk: Risk | None = None) -> Risk:
    risk = risk or Risk(agency=agency)
    for name in RISK_FIELDS:
        if name in data:
            setattr(risk, name, data[name])
    risk.status = risk.status or Risk.Status.OPEN
    risk.identified_on = risk.identified_on or timezone.localdate()
    errors = {}
    for name in ("likelihood", "impact"):
        value = getattr(risk, name)
        if value is None or not 1 <= value <= scale():
            errors[name] = _("Chọn từ 1 đến %(n)s.") % {"n": scale()}
    if risk.owner_id and risk.owner.agency_id != agency.pk:
        errors["owner"] = _("Người theo dõi phải là cán bộ của cơ quan.")
    if risk.document_id and risk.document.agency_id != agency.pk:
        errors["document"] = _("Tài liệu không thuộc cơ quan.")
    if risk.procedure_id and risk.procedure.province_id != agency.province_id:
        errors["procedure"] = _("Thủ tục không thuộc bộ thủ tục của tỉnh.")
    if risk.review_on and risk.identified_on and risk.review_on < risk.identified_on:
        errors["review_on"] = _("Ngày xem xét lại không được trước ngày nhận diện.")
    if errors:
        raise ValidationError(errors)
    risk.save()
    return risk


@audit.atomic_as_user
def add_risk_action(user: "User", risk: Risk, description: str, owner: "User", due_on: dt.date) -> RiskAction:
    if not (description or "").strip():
        raise ValidationError({"description": _("Nhập biện pháp xử lý.")})
    if owner is None or owner.agency_id != risk.agency_id:
        raise ValidationError({"owner": _("Phải là cán bộ của cơ quan.")})
    if due_on is None or due_on < risk.identified_on:
        raise ValidationError({"due_on": _("Hạn hoàn thành không được trước ngày nhận diện.")})
    return RiskAction.objects.create(risk=risk, description=description.strip(), owner=owner, due_on=due_on)


@audit.atomic_as_user
def complete_risk_action(user: "User", action: RiskAction, done_on: dt.date | None = None) -> RiskAction:
    if action.owner_id != user.pk and not user.has_perm("improvement.change_risk", action.risk):
        raise PermissionDenied(_("Chỉ người thực hiện hoặc thư ký ISO báo cáo hoàn thành."))
    if action.done_on is not None:
        raise ValidationError(_("Biện pháp đã hoàn thành."))
    done_on = done_on or timezone.localdate()
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("Ngày hoàn thành không được sau hôm nay.")})
    action.done_on = done_on
    action.save()
    return action


def annotate_levels(risks: list[Risk], ordered: list[RiskLevel]) -> list[Risk]:
    for risk in risks:
        risk.level = level_of(risk.score, ordered)
    return risks


def above_acceptable(risks: QuerySet[Risk], ordered: list[RiskLevel]) -> list[Risk]:
    """The open risks (not opportunities) whose level is not acceptable."""
    open_risks = list(risks.filter(status=Risk.Status.OPEN, kind=Risk.Kind.RISK))
    return [r for r in annotate_levels(open_risks, ordered) if r.level is not None and not r.level.acceptable]


def heat_map(risks: QuerySet[Risk], ordered: list[RiskLevel]) -> dict[str, Any]:
    """The open risks counted per likelihood × impact cell, rows from the most likely down, with each cell's level."""
    n = scale()
    counts: dict[tuple[int, int], int] = {}
    for likelihood, impact in risks.filter(status=Risk.Status.OPEN, kind=Risk.Kind.RISK).values_list(
        "likelihood", "impact"
    ):
        counts[(likelihood, impact)] = counts.get((likelihood, impact), 0) + 1
    rows = []
    for likelihood in range(n, 0, -1):
        cells = []
        for impact in range(1, n + 1):
            level = level_of(likelihood * impact, ordered)
            cells.append(
                {
                    "likelihood": likelihood,
                    "impact": impact,
                    "count": counts.get((likelihood, impact), 0),
                    "colour": level.colour if level else "",
                    "level": level.name if level else "",
                }
            )
        rows.append({"likelihood": likelihood, "cells": cells})
    return {"rows": rows, "impacts": list(range(1, n + 1)), "total": sum(counts.values())}
