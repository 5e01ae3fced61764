"""On-time rates by field, month, agency and procedure, the bottlenecks, and their XLSX export."""

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ..models import LateStepStat, MonthlyStat

GROUPS = {
    "agency": ("agency_id", "organizations.Agency"),
    "field": ("field_id", "procedures.Field"),
    "procedure": ("procedure_id", "procedures.AdminProcedure"),
    "month": ("month", None),
}


SUMS = ("received", "completed", "on_time", "late", "refused")


Grouped = dict[str, list[dict[str, Any]]]


def sums_by(stats: QuerySet[MonthlyStat], groups: Sequence[str]) -> tuple[Grouped, dict[str, int]]:
    """The sums of a MonthlyStat queryset grouped by each of `groups` (keys of GROUPS) and in all: ({group: [{key,
    received, completed, on_time, late, refused}]}, {received, …}).

    One pass over the summary on PostgreSQL (GROUPING SETS): a province's summary holds hundreds of thousands of
    rows, and the analytics page groups them four ways. Elsewhere, one GROUP BY per group (UNION ALL)."""
    columns = [GROUPS[g][0] for g in groups]
    grouped = {g: [] for g in groups}
    total = dict.fromkeys(SUMS, 0)
    try:
        sql, params = stats.order_by().values(*columns, *SUMS).query.sql_with_params()
    except EmptyResultSet:  # a queryset that can match nothing (.none(), an empty `in`)
        return grouped, total
    sums = ", ".join(f"SUM({name})" for name in SUMS)
    connection = connections[stats.db]
    if connection.vendor == "postgresql":
        sets = ", ".join([f"({c})" for c in columns] + ["()"])
        keys = ", ".join(columns)
        query = f"SELECT {keys}, {sums} FROM ({sql}) s GROUP BY GROUPING SETS ({sets})"
        query_params = params
    else:
        parts = []
        for column in [*columns, None]:
            keys = ", ".join(c if c == column else "NULL" for c in columns)
            group = f" GROUP BY {column}" if column else ""
            parts.append(f"SELECT {keys}{', ' if keys else ''}{sums} FROM ({sql}) s{group}")
        query, query_params = " UNION ALL ".join(parts), params * len(parts)
    with connection.cursor() as cursor:
        cursor.execute(query, query_params)
        for row in cursor.fetchall():
            keys, values = row[: len(columns)], dict(zip(SUMS, row[len(columns) :], strict=True))
            group = next((g for g, key in zip(groups, keys, strict=True) if key is not None), None)
            if group is None:
                total = {name: value or 0 for name, value in values.items()}
                continue
            key = keys[groups.index(group)]
            if group == "month" and isinstance(key, str):  # SQLite answers a raw query's dates as text
                key = dt.date.fromisoformat(key[:10])
            grouped[group].append({"key": key, **values})
    return grouped, total


def _rates(rows: list[dict[str, Any]], by: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Grouped sums (sums_by) as the rows of a table: sorted (months in order, the rest by most late), cut to
    `limit`, labelled (names read for the rows kept), with their on-time rate."""
    from django.apps import apps

    model = GROUPS[by][1]
    if by == "month":
        rows = sorted(rows, key=lambda r: r["key"])
    else:
        rows = sorted(rows, key=lambda r: (-(r["late"] or 0), r["key"]))
    if limit:
        rows = rows[:limit]
    names = {}
    if model:
        names = dict(apps.get_model(model).objects.filter(pk__in=[r["key"] for r in rows]).values_list("pk", "name"))
    result = []
    for r in rows:
        rate = round(100.0 * r["on_time"] / r["completed"], 1) if r["completed"] else None
        label = names.get(r["key"], "") if model else r["key"].strftime("%m/%Y")
        result.append(
            {
                "key": r["key"],
                "label": label,
                "received": r["received"],
                "completed": r["completed"],
                "on_time": r["on_time"],
                "late": r["late"],
                "rate": rate,
            }
        )
    return result


def _with_rate(total: dict[str, int]) -> dict[str, int | float | None]:
    return {**total, "rate": round(100.0 * total["on_time"] / total["completed"], 1) if total["completed"] else None}


def on_time_summary(
    stats: QuerySet[MonthlyStat], limits: Mapping[str, int | None]
) -> tuple[Grouped, dict[str, int | float | None]]:
    """The on-time tables of several groupings at once, {group: on_time_rates(stats, group, limit)}, and the totals
    of every count with the on-time rate, from one pass over the summary (sums_by)."""
    grouped, total = sums_by(stats, list(limits))
    return {by: _rates(grouped[by], by, limit) for by, limit in limits.items()}, _with_rate(total)


def analytics_figures(
    stats: QuerySet[MonthlyStat], late_stats: QuerySet[LateStepStat], limits: Mapping[str, int | None], late_limit: int
) -> dict[str, Any]:
    """What the analytics page shows: {"tables": on_time_summary's tables, "totals", "bottlenecks", "computed_at"}.

    Kept EISO["ANALYTICS_CACHE_SECONDS"] in the cache under the querysets' SQL (the user's scope and filters) and
    the language: a province-wide page sums a year of the province's summary (tens of thousands of rows), and the
    officials of a province open the same few pages. The page shows when its figures were computed (0: always
    computed afresh)."""
    seconds = settings.EISO["ANALYTICS_CACHE_SECONDS"]

    def compute():
        tables, totals = on_time_summary(stats, limits)
        return {
            "tables": tables,
            "totals": totals,
            "bottlenecks": bottlenecks(late_stats, late_limit),
            "computed_at": timezone.now(),
        }

    if seconds <= 0:
        return compute()
    try:
        sql = f"{stats.query}|{late_stats.query}|{sorted(limits.items())}|{late_limit}|{get_language()}"
    except EmptyResultSet:
        return compute()
    key = "analytics:" + hashlib.sha256(sql.encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = compute()
        cache.set(key, figures, seconds)
    return figures


def on_time_rates(stats: QuerySet[MonthlyStat], by: str, limit: int | None = None) -> list[dict[str, Any]]:
    """[{key, label, completed, on_time, late, received, rate}] from a MonthlyStat queryset, grouped by `by`: months
    in order, the others by most late first (at most `limit`)."""
    return _rates(sums_by(stats, [by])[0][by], by, limit)


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
