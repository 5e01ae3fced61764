"""Agency tree operations. Each is one transaction: it succeeds whole or changes nothing."""

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.models import AuditEntry

from .models import Agency, AgencyChange, AgencyKind, Province

if TYPE_CHECKING:
    from accounts.models import User


def _check_parent(agency: Agency, parent: Agency | None) -> None:
    if parent is None:
        return
    if agency.province_id and parent.province_id != agency.province_id:
        raise ValidationError({"parent": _("Cơ quan cấp trên phải thuộc cùng tỉnh.")})
    if not parent.is_active:
        raise ValidationError({"parent": _("Không thể đặt dưới một cơ quan đã chấm dứt hoạt động.")})
    if agency.pk is None:
        return
    node = parent
    while node is not None:
        if node.pk == agency.pk:
            raise ValidationError(
                {
                    "parent": _("Không thể chuyển “%(agency)s” vào chính nó hoặc một đơn vị trực thuộc của nó.")
                    % {"agency": agency.name}
                }
            )
        node = node.parent


def _check_code(agency: Agency) -> None:
    clash = Agency.objects.filter(province_id=agency.province_id, code=agency.code).exclude(pk=agency.pk)
    if clash.exists():
        raise ValidationError({"code": _("Mã “%(code)s” đã được dùng trong tỉnh.") % {"code": agency.code}})


@transaction.atomic
def create_agency(
    *,
    province: Province,
    kind: AgencyKind,
    name: str,
    code: str,
    parent: Agency | None = None,
    obligation: str | None = None,
    established_on: dt.date | None = None,
    record_change: bool = True,
    user: "User | None" = None,
    **fields: Any,
) -> Agency:
    agency = Agency(
        province=province,
        kind=kind,
        name=name.strip(),
        code=code.strip(),
        parent=parent,
        obligation=obligation or kind.default_obligation,
        established_on=established_on,
        **fields,
    )
    _check_parent(agency, parent)
    _check_code(agency)
    agency.full_clean(exclude=["search_key", "sort_key"])
    agency.save()
    if record_change:
        change = AgencyChange.objects.create(
            province=province,
            kind=AgencyChange.Kind.ESTABLISHMENT,
            effective_on=established_on or timezone.localdate(),
            created_by=user,
        )
        change.successors.add(agency)
    return agency


@transaction.atomic
def update_agency(agency: Agency, **fields: Any) -> Agency:
    for name, value in fields.items():
        setattr(agency, name, value)
    _check_parent(agency, agency.parent)
    _check_code(agency)
    agency.full_clean(exclude=["search_key", "sort_key"])
    agency.save()
    return agency


@transaction.atomic
def move_agency(
    agency: Agency,
    new_parent: Agency | None,
    *,
    effective_on: dt.date | None = None,
    decision: str = "",
    user: "User | None" = None,
) -> Agency:
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if not agency.is_active:
        raise ValidationError(_("Cơ quan đã chấm dứt hoạt động, không thể chuyển."))
    _check_parent(agency, new_parent)
    old_parent = agency.parent
    agency.parent = new_parent
    agency.save()
    change = AgencyChange.objects.create(
        province=agency.province,
        kind=AgencyChange.Kind.MOVE,
        effective_on=effective_on or timezone.localdate(),
        decision=decision,
        created_by=user,
        note=_("Từ “%(old)s” sang “%(new)s”") % {"old": old_parent or "—", "new": new_parent or "—"},
    )
    change.predecessors.add(agency)
    change.successors.add(agency)
    return agency


def _end(agency: Agency, status: str, effective_on: dt.date, reason: str) -> None:
    agency.status = status
    agency.ended_on = effective_on
    agency.save()
    audit.record(agency, AuditEntry.Action.EVENT, {"status": [Agency.Status.ACTIVE, status]}, comment=reason)


def _check_restructure(agencies: Sequence[Agency], effective_on: dt.date | None) -> None:
    provinces = {a.province_id for a in agencies}
    if len(provinces) > 1:
        raise ValidationError(_("Chỉ có thể hợp nhất, chia tách các cơ quan thuộc cùng một tỉnh."))
    inactive = [a.name for a in agencies if not a.is_active]
    if inactive:
        raise ValidationError(_("Các cơ quan sau đã chấm dứt hoạt động: %(names)s.") % {"names": ", ".join(inactive)})
    if effective_on is None:
        raise ValidationError({"effective_on": _("Cần nhập ngày hiệu lực.")})


@transaction.atomic
def merge_agencies(
    agencies: Iterable[Agency],
    *,
    name: str,
    code: str,
    kind: AgencyKind | None = None,
    parent: Agency | None = None,
    effective_on: dt.date | None,
    decision: str = "",
    user: "User | None" = None,
    into: Agency | None = None,
) -> Agency:
    """Merge agencies into a new one (hợp nhất), or into an existing one when `into` is given (sáp nhập).

    The old agencies are kept, marked merged, with their data untouched; the resulting agency is
    flagged for a review of its QMS scope.
    """
    agencies = list(Agency.objects.select_for_update().filter(pk__in=[a.pk for a in agencies]))
    if len(agencies) + (1 if into else 0) < 2:
        raise ValidationError(_("Cần chọn ít nhất hai cơ quan để hợp nhất."))
    _check_restructure(agencies + ([into] if into else []), effective_on)
    reason = _("Hình thành sau hợp nhất, sáp nhập ngày %(date)s") % {"date": effective_on.strftime("%d/%m/%Y")}
    if into is None:
        first = agencies[0]
        result = create_agency(
            province=first.province,
            kind=kind or first.kind,
            name=name,
            code=code,
            parent=parent if parent is not None else first.parent,
            established_on=effective_on,
            record_change=False,
            scope_review_required=True,
            scope_review_reason=reason,
        )
    else:
        result = update_agency(into, scope_review_required=True, scope_review_reason=reason)
    change = AgencyChange.objects.create(
        province=result.province,
        kind=AgencyChange.Kind.MERGER,
        effective_on=effective_on,
        decision=decision,
        created_by=user,
    )
    change.predecessors.set(agencies)
    change.successors.add(result)
    for agency in agencies:
        if agency.pk != result.pk:
            _end(agency, Agency.Status.MERGED, effective_on, _("Hợp nhất vào “%(name)s”") % {"name": result.name})
    return result


@transaction.atomic
def split_agency(
    agency: Agency,
    parts: Sequence[Mapping[str, Any]],
    *,
    effective_on: dt.date | None,
    decision: str = "",
    user: "User | None" = None,
) -> list[Agency]:
    """Split an agency into new ones. `parts` is a list of dicts with name and code (and optionally kind)."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    _check_restructure([agency], effective_on)
    if len(parts) < 2:
        raise ValidationError(_("Chia tách cần ít nhất hai cơ quan mới."))
    reason = _("Hình thành sau chia tách ngày %(date)s") % {"date": effective_on.strftime("%d/%m/%Y")}
    results = [
        create_agency(
            province=agency.province,
            kind=part.get("kind") or agency.kind,
            name=part["name"],
            code=part["code"],
            parent=agency.parent,
            obligation=agency.obligation,
            established_on=effective_on,
            record_change=False,
            scope_review_required=True,
            scope_review_reason=reason,
        )
        for part in parts
    ]
    change = AgencyChange.objects.create(
        province=agency.province,
        kind=AgencyChange.Kind.SPLIT,
        effective_on=effective_on,
        decision=decision,
        created_by=user,
    )
    change.predecessors.add(agency)
    change.successors.set(results)
    _end(
        agency,
        Agency.Status.SPLIT,
        effective_on,
        _("Chia tách thành: %(names)s") % {"names": ", ".join(r.name for r in results)},
    )
    return results


@transaction.atomic
def mark_scope_reviewed(agency: Agency) -> Agency:
    return update_agency(agency, scope_review_required=False, scope_review_reason="")


type AgencyNode = tuple[Agency, list[AgencyNode]]


def build_tree(agencies: Collection[Agency]) -> list[AgencyNode]:
    """Nest a flat list of agencies: returns [(agency, children_nodes)] roots, Vietnamese order."""
    by_parent = {}
    ids = {a.pk for a in agencies}
    for agency in agencies:
        parent = agency.parent_id if agency.parent_id in ids else None
        by_parent.setdefault(parent, []).append(agency)

    def nodes(parent_id: int | None) -> list[AgencyNode]:
        children = sorted(by_parent.get(parent_id, []), key=lambda a: (a.kind.order, a.sort_key))
        return [(a, nodes(a.pk)) for a in children]

    return nodes(None)
