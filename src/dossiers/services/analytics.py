"""On-time rates by field, month, agency and procedure, the bottlenecks, and their XLSX export."""

from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from ..models import LateStepStat, MonthlyStat

GROUPS = {
    "agency": ("agency_id", "organizations.Agency"),
    "field": ("field_id", "procedures.Field"),
    "procedure": ("procedure_id", "procedures.AdminProcedure"),
    "month": ("month", None),
}


def on_time_rates(stats: QuerySet[MonthlyStat], by: str, limit: int | None = None) -> list[dict[str, Any]]:
    """[{key, label, completed, on_time, late, received, rate}] from a MonthlyStat queryset.

    Grouped on the id column only (no join per row); the labels of the groups are read afterwards.
    """
    from django.apps import apps

    key, model = GROUPS[by]
    rows = list(
        stats.order_by()
        .values(key)
        .annotate(received=Sum("received"), completed=Sum("completed"), on_time=Sum("on_time"), late=Sum("late"))
    )
    if by == "month":
        rows.sort(key=lambda r: r[key])
    else:
        rows.sort(key=lambda r: (-(r["late"] or 0), r[key]))
    if limit:
        rows = rows[:limit]
    names = {}
    if model:
        names = dict(apps.get_model(model).objects.filter(pk__in=[r[key] for r in rows]).values_list("pk", "name"))
    result = []
    for r in rows:
        rate = round(100.0 * r["on_time"] / r["completed"], 1) if r["completed"] else None
        label = names.get(r[key], "") if model else r[key].strftime("%m/%Y")
        result.append(
            {
                "key": r[key],
                "label": label,
                "received": r["received"],
                "completed": r["completed"],
                "on_time": r["on_time"],
                "late": r["late"],
                "rate": rate,
            }
        )
    return result


def bottlenecks(late_stats: QuerySet[LateStepStat], limit: int = 20) -> list[dict[str, Any]]:
    """Late dossiers by the step and unit where the delay first happened, with the step's name, from a
    LateStepStat queryset (scoped and filtered like the MonthlyStat one; a period selects by month of the delay).
    """
    from procedures.models import ProcessStep

    rows = list(
        late_stats.order_by()
        .values("late_step", "late_unit")
        .annotate(n=Sum("count"))
        .order_by("-n", "late_step", "late_unit")[:limit]
    )
    # Processes name a step code alike ("review" = "Thẩm định, xem xét hồ sơ"); the commonest name wins.
    names = {}
    for code, name, _n in (
        ProcessStep.objects.filter(code__in={r["late_step"] for r in rows})
        .values_list("code", "name")
        .annotate(n=Count("id"))
        .order_by("code", "-n")
    ):
        names.setdefault(code, name)
    for row in rows:
        row["step_name"] = names.get(row["late_step"], row["late_step"])
    return rows


def totals(stats: QuerySet[MonthlyStat]) -> dict[str, int | float | None]:
    agg = stats.aggregate(
        received=Sum("received"),
        completed=Sum("completed"),
        on_time=Sum("on_time"),
        late=Sum("late"),
        refused=Sum("refused"),
    )
    agg = {k: v or 0 for k, v in agg.items()}
    agg["rate"] = round(100.0 * agg["on_time"] / agg["completed"], 1) if agg["completed"] else None
    return agg


def analytics_xlsx(stats: QuerySet[MonthlyStat], late_stats: QuerySet[LateStepStat]) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook

    from core.xlsx import number_row

    workbook = Workbook(write_only=True)
    titles = {
        "agency": _("Theo cơ quan"),
        "field": _("Theo lĩnh vực"),
        "procedure": _("Theo thủ tục"),
        "month": _("Theo tháng"),
    }
    header = [_("Nhóm"), _("Tiếp nhận"), _("Đã giải quyết"), _("Đúng hạn"), _("Trễ hạn"), _("Tỷ lệ đúng hạn (%)")]
    for by, title in titles.items():
        sheet = workbook.create_sheet(title)
        sheet.append(header)
        for r in on_time_rates(stats, by):
            sheet.append(
                number_row(sheet, [r["label"], r["received"], r["completed"], r["on_time"], r["late"], r["rate"]])
            )
    sheet = workbook.create_sheet(_("Điểm nghẽn"))
    sheet.append([_("Bước trễ hạn"), _("Đơn vị"), _("Số hồ sơ trễ")])
    for r in bottlenecks(late_stats, limit=200):
        sheet.append(number_row(sheet, [r["step_name"], r["late_unit"], r["n"]]))
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
