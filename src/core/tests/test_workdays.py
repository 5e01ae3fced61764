import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import workdays
from core.models import CalendarOverride
from core.workdays import WorkCalendar

CAL = WorkCalendar(2024, 2028)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOON, END = dt.time(12, 0), dt.time(17, 0)


# -- slow reference: walk half-day slot by slot ----------------------------------------------------
def ref_is_working(day):
    return day in CAL._day_set


def ref_slots_from(moment):
    """Yield (day, half) slots whose start is at or after `moment` (date = its end), in order."""
    if isinstance(moment, dt.datetime):
        day, first_half = moment.date(), None
        if ref_is_working(day):
            if moment.time() == dt.time(0, 0):
                first_half = 0
            elif moment.time() <= NOON:
                first_half = 1
        if first_half is not None:
            for half in (0, 1)[first_half:]:
                yield day, half
        day += dt.timedelta(days=1)
    else:
        day = moment + dt.timedelta(days=1)
    while True:
        if ref_is_working(day):
            yield day, 0
            yield day, 1
        day += dt.timedelta(days=1)


def ref_add(moment, n):
    halves = int(n * 2)
    if halves == 0:
        return moment
    for i, (day, half) in enumerate(ref_slots_from(moment), start=1):
        if i == halves:
            if isinstance(moment, dt.datetime):
                return dt.datetime.combine(day, NOON if half == 0 else END)
            return day
    raise AssertionError("unreachable")


moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 6, 30)).map(
    lambda m: m.replace(second=0, microsecond=0)
)
half_day_counts = st.integers(min_value=0, max_value=120).map(lambda h: Decimal(h) / 2)


# -- known cases -------------------------------------------------------------------------------
def test_lunar_new_year_and_weekends_are_not_working_days():
    assert not CAL.is_working_day(dt.date(2026, 2, 17))  # Tết Nguyên đán 2026
    assert not CAL.is_working_day(dt.date(2026, 2, 21))  # Saturday
    assert CAL.is_working_day(dt.date(2026, 2, 23))
    assert CAL.is_working_day(dt.date(2026, 8, 22))  # make-up Saturday for the 31/8 day off
    assert not CAL.is_working_day(dt.date(2026, 8, 31))


def test_monday_morning_one_day_is_due_tuesday_noon():
    assert CAL.add_working_days(dt.datetime(2026, 3, 2, 9, 0), 1) == dt.datetime(2026, 3, 3, 12, 0)


def test_monday_afternoon_half_day_is_due_tuesday_noon():
    assert CAL.add_working_days(dt.datetime(2026, 3, 2, 14, 0), Decimal("0.5")) == dt.datetime(2026, 3, 3, 12, 0)


def test_morning_half_day_is_due_same_day_closing():
    assert CAL.add_working_days(dt.datetime(2026, 3, 2, 8, 0), 0.5) == dt.datetime(2026, 3, 2, 17, 0)


def test_received_before_tet_is_due_after_the_holiday():
    # Friday 13/2/2026, 5 days: the Tết week 16-20/2 is off, so counting resumes on 23/2.
    assert CAL.add_working_days(dt.date(2026, 2, 13), 5) == dt.date(2026, 2, 27)


def test_dates_do_not_count_the_first_day():
    assert CAL.add_working_days(dt.date(2026, 3, 2), 1) == dt.date(2026, 3, 3)
    assert CAL.add_working_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)  # Friday -> Monday


def test_aware_datetimes_come_back_aware_in_local_time():
    start = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 09:00 in Vietnam
    due = CAL.add_working_days(start, 1)
    assert due.tzinfo is not None
    assert due.astimezone(TZ).replace(tzinfo=None) == dt.datetime(2026, 3, 3, 12, 0)


@pytest.mark.parametrize("bad", [-1, "abc", Decimal("0.3"), 1.25])
def test_bad_time_limits_are_refused(bad):
    with pytest.raises(ValueError):
        CAL.add_working_days(dt.date(2026, 3, 2), bad)


def test_outside_the_calendar_is_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(dt.date(2040, 1, 1), 1)


@pytest.mark.django_db
def test_administrator_overrides_change_the_calendar():
    day = dt.date(2026, 3, 3)
    assert workdays.is_working_day(day)
    CalendarOverride.objects.create(date=day, kind=CalendarOverride.Kind.DAY_OFF, note="Nghỉ hoán đổi")
    assert not workdays.is_working_day(day)
    assert workdays.add_working_days(dt.date(2026, 3, 2), 1) == dt.date(2026, 3, 4)
    CalendarOverride.objects.filter(date=day).first().delete()
    assert workdays.is_working_day(day)


# -- properties --------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(moments, half_day_counts)
def test_add_agrees_with_the_slow_reference(start, n):
    assert CAL.add_working_days(start, n) == ref_add(start, n)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 6, 30)), st.integers(0, 60))
def test_date_mode_agrees_with_the_slow_reference(start, n):
    assert CAL.add_working_days(start, n) == ref_add(start, n)


@settings(max_examples=300, deadline=None)
@given(moments, half_day_counts)
def test_between_inverts_add(start, n):
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2027, 6, 30)), st.integers(1, 60))
def test_between_inverts_add_for_dates(start, n):
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(moments, half_day_counts), min_size=1, max_size=40))
def test_bulk_agrees_with_single(rows):
    starts = np.array([s for s, _ in rows], dtype="datetime64[m]")
    halves = np.array([int(n * 2) for _, n in rows])
    bulk = CAL.add_working_days_bulk(starts, halves)
    expected = [CAL.add_working_days(s, n) for s, n in rows]
    assert [b.astype(dt.datetime) for b in bulk] == expected
    between = CAL.working_days_between_bulk(starts, bulk)
    assert list(between) == [float(n) for _, n in rows]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.dates(dt.date(2024, 1, 1), dt.date(2027, 6, 30)), st.integers(0, 40)), min_size=1))
def test_bulk_dates_agree_with_single(rows):
    starts = np.array([s for s, _ in rows], dtype="datetime64[D]")
    bulk = CAL.add_working_days_bulk_dates(starts, [n for _, n in rows])
    assert [b.astype(dt.date) for b in bulk] == [CAL.add_working_days(s, n) for s, n in rows]


def test_bulk_checked_flags_rows_outside_the_calendar_instead_of_failing():
    starts = np.array(
        ["2026-03-02T09:00", "2023-12-29T09:00", "2028-06-01T09:00", "2028-12-29T09:00"], dtype="datetime64[m]"
    )
    deadlines, ok = CAL.add_working_days_bulk_checked(starts, [2, 2, 2, 40])
    assert ok.tolist() == [True, False, True, False]
    assert deadlines[0].astype(dt.datetime) == CAL.add_working_days(dt.datetime(2026, 3, 2, 9), 1)
    assert deadlines[2].astype(dt.datetime) == CAL.add_working_days(dt.datetime(2028, 6, 1, 9), 1)
    with pytest.raises(ValueError):
        CAL.add_working_days_bulk(starts, [2, 2, 2, 40])
