"""The analytics' sums in one pass (GROUPING SETS on PostgreSQL, UNION ALL on SQLite) against the same sums added up
in Python from the summary rows, for every grouping, the totals, an empty scope and a filtered queryset."""

import datetime as dt
import random
from collections import defaultdict

import pytest

from dossiers.models import MonthlyStat
from dossiers.services import on_time_summary, sums_by
from procedures.models import AdminProcedure, Field

pytestmark = pytest.mark.django_db
COUNTS = ("received", "completed", "on_time", "late", "refused")


@pytest.fixture
def stats(province):
    rng = random.Random(3)
    agencies = [province["agencies"]["land"], province["agencies"]["science"]]
    fields = [Field.objects.create(code=f"sum-{i}", name=f"Lĩnh vực {i}") for i in range(3)]
    procedures = [
        AdminProcedure.objects.create(
            province=agencies[0].province,
            code=f"8.{i:06d}",
            name=f"Thủ tục {i}",
            field=fields[i % 3],
            level="provincial",
            processing_days=5,
        )
        for i in range(5)
    ]
    for agency in agencies:
        for procedure in procedures:
            for month in (dt.date(2025, 11, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)):
                completed = rng.randint(0, 30)
                late = rng.randint(0, completed)
                MonthlyStat.objects.create(
                    agency=agency,
                    procedure=procedure,
                    field_id=procedure.field_id,
                    month=month,
                    received=rng.randint(0, 40),
                    completed=completed,
                    on_time=completed - late,
                    late=late,
                    refused=rng.randint(0, 3),
                )
    return MonthlyStat.objects.all()


def _by_hand(qs, column):
    sums = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in qs:
        for name in COUNTS:
            sums[getattr(row, column)][name] += getattr(row, name)
    return dict(sums)


@pytest.mark.parametrize("filtered", [False, True])
def test_sums_by_every_grouping_equal_the_rows_added_up(stats, filtered):
    qs = stats.filter(month__year=2026) if filtered else stats
    grouped, total = sums_by(qs, ["agency", "field", "procedure", "month"])
    columns = {"agency": "agency_id", "field": "field_id", "procedure": "procedure_id", "month": "month"}
    for group, column in columns.items():
        got = {r["key"]: {name: r[name] for name in COUNTS} for r in grouped[group]}
        assert got == _by_hand(qs, column), group
    assert total == {name: sum(getattr(r, name) for r in qs) for name in COUNTS}


def test_an_empty_scope_sums_to_zero(stats):
    assert sums_by(stats.none(), ["field"]) == ({"field": []}, dict.fromkeys(COUNTS, 0))
    tables, totals = on_time_summary(stats.filter(month__year=1999), {"month": None})
    assert tables == {"month": []} and totals["completed"] == 0 and totals["rate"] is None


def test_the_summary_tables_sort_label_and_rate_like_the_rows(stats):
    tables, totals = on_time_summary(stats, {"field": 2, "month": None})
    by_field = _by_hand(stats, "field_id")
    expected = sorted(by_field, key=lambda k: (-by_field[k]["late"], k))[:2]
    assert [r["key"] for r in tables["field"]] == expected
    first = by_field[expected[0]]
    assert tables["field"][0]["rate"] == round(100.0 * first["on_time"] / first["completed"], 1)
    assert tables["field"][0]["label"] == Field.objects.get(pk=expected[0]).name
    assert [r["label"] for r in tables["month"]] == ["11/2025", "01/2026", "02/2026"]
    done = sum(r.completed for r in stats)
    assert totals["rate"] == round(100.0 * sum(r.on_time for r in stats) / done, 1)
