"""The pre-aggregated summaries (MonthlyStat, LateStepStat) recomputed from the dossiers and their events."""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from organizations.models import Agency

from .. import bulk
from ..models import (
    Dossier,
    DossierEvent,
    DossierStatus,
    LateStepStat,
    MonthlyStat,
)


@transaction.atomic
def rebuild_monthly_stats(agencies: Collection[Agency] | None = None) -> int:
    """Recompute the monthly summary from the dossiers (the reference the increments must match), and the
    late-step summary with it (rebuild_late_stats)."""
    from django.db.models.functions import TruncMonth

    dossiers = Dossier.objects.all()
    summary = MonthlyStat.objects.all()
    if agencies is not None:
        dossiers, summary = dossiers.filter(agency__in=agencies), summary.filter(agency__in=agencies)
    summary._raw_delete(summary.db)  # one DELETE (delete() would load every row: the audit's post_delete hook)
    tz = timezone.get_current_timezone()
    rows = defaultdict(lambda: defaultdict(Counter))  # agency -> (procedure, field, month) -> counts

    def bump(values: Iterable[dict[str, Any]], counts: Callable[[dict[str, Any]], dict[str, int]]) -> None:
        for item in values:
            month = item["m"].date() if isinstance(item["m"], dt.datetime) else item["m"]
            rows[item["agency_id"]][(item["procedure_id"], item["field_id"], month)].update(counts(item))

    base = dossiers.values("agency_id", "procedure_id", "field_id")
    bump(
        base.annotate(m=TruncMonth("received_at", tzinfo=tz))
        .annotate(n=Count("id"))
        .values("agency_id", "procedure_id", "field_id", "m", "n"),
        lambda i: {"received": i["n"]},
    )
    done = dossiers.filter(status=DossierStatus.RETURNED).values("agency_id", "procedure_id", "field_id")
    bump(
        done.annotate(m=TruncMonth("completed_at", tzinfo=tz))
        .annotate(n=Count("id"), late=Count("id", filter=Q(is_late=True)))
        .values("agency_id", "procedure_id", "field_id", "m", "n", "late"),
        lambda i: {"completed": i["n"], "late": i["late"], "on_time": i["n"] - i["late"]},
    )
    refused = dossiers.filter(status=DossierStatus.REFUSED).values("agency_id", "procedure_id", "field_id")
    bump(
        refused.annotate(m=TruncMonth("completed_at", tzinfo=tz))
        .annotate(n=Count("id"))
        .values("agency_id", "procedure_id", "field_id", "m", "n"),
        lambda i: {"refused": i["n"]},
    )
    # Written as the engine writes its increments (plain tuples: model instances cost more than the queries).
    for agency_id, stats in rows.items():
        bulk.upsert_stats(agency_id, stats)
    rebuild_late_stats(agencies)
    return sum(len(stats) for stats in rows.values())


def late_at() -> Coalesce:
    """When a late dossier's delay happened, as an expression over Dossier (see rebuild_late_stats): its first event
    stored late, else its return, else its last event, else its receipt."""
    from django.db.models import OuterRef, Subquery

    first_late = (
        DossierEvent.objects.filter(dossier=OuterRef("pk"), is_late=True)
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    return Coalesce(Subquery(first_late), "completed_at", "last_event_at", "received_at")


@transaction.atomic
def rebuild_late_stats(agencies: Collection[Agency] | None = None) -> int:
    """Recompute the late-step summary (LateStepStat) from the late dossiers (the reference the increments of
    EventProcessor must match).

    The month of the delay is not on the dossier row; it is recovered from the events, as the engine set it:
    `late_step` is set by the first hand-over that ends a step late, and that event is stored with
    `is_late` true (no earlier event is: an earlier one would have set `late_step`), so the month is that of
    the dossier's first late event; a dossier whose steps all ended on time gets `late_step` at its return,
    late overall (past its appointment or after an apology letter): then the month is that of `completed_at`.
    Rows not written by the engine (hand-made data) fall back to the last event, then the receipt.
    """
    from django.db.models.functions import TruncMonth

    dossiers = Dossier.objects.exclude(late_step="")
    summary = LateStepStat.objects.all()
    if agencies is not None:
        dossiers, summary = dossiers.filter(agency__in=agencies), summary.filter(agency__in=agencies)
    summary._raw_delete(summary.db)  # one DELETE (delete() would load every row: the audit's post_delete hook)
    counts = (
        dossiers.order_by()
        .alias(late_at=late_at())
        .annotate(m=TruncMonth("late_at", tzinfo=timezone.get_current_timezone()))
        .values("agency_id", "field_id", "m", "late_step", "late_unit")
        .annotate(n=Count("id"))
    )
    late = defaultdict(Counter)
    for item in counts:
        month = item["m"].date() if isinstance(item["m"], dt.datetime) else item["m"]
        late[item["agency_id"]][(item["field_id"], month, item["late_step"], item["late_unit"])] += item["n"]
    # Written as the engine writes its increments (plain tuples: model instances cost more than the query).
    for agency_id, agency_late in late.items():
        bulk.upsert_late_stats(agency_id, agency_late)
    return sum(len(agency_late) for agency_late in late.values())
