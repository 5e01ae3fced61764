"""The working-day calendar: time limits of administrative procedures are counted in working days.

A working day is Monday to Friday, except Vietnam's public holidays (lunar New Year included, from
the `holidays` package, with the government's swapped days off and make-up Saturdays it knows) and
except what an administrator enters as `CalendarOverride` for a year.

Each working day has two halves (slots): the morning, which starts at 00:00 and whose deadline is
noon, and the afternoon, which starts at noon and whose deadline is the office's closing time.
Counting starts at the first slot that begins at or after the moment of receipt; a time limit of
n working days ends with the 2n-th slot. So a dossier received on Monday at 09:00 with 1 day is due
on Tuesday at noon; received on Monday afternoon, on Tuesday at closing time; received on a Sunday,
on Monday at closing time.

A plain date means "some time during that day": counting starts on the next working day (the
first day is not counted), and the result is the date on which the time limit ends.

`working_days_between(a, b)` is the inverse: the working time from a to b in half days, so that
`working_days_between(start, add_working_days(start, n)) == n`.

The vectorised variants work on numpy arrays of naive local datetimes for millions of rows.
"""

import datetime as dt
import threading
import time
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import holidays
import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.utils import timezone

_CACHE_SECONDS = 300


def _parse_hm(value: str) -> np.timedelta64:
    hours, minutes = (int(part) for part in value.split(":"))
    return np.timedelta64(hours * 60 + minutes, "m")


def half_days(n: int | float | Decimal | Fraction | str) -> int:
    """The number of half days in a time limit; refuses negative and non-multiples of 0.5."""
    if isinstance(n, bool) or not isinstance(n, (int, float, Decimal, Fraction)):
        try:
            n = Decimal(str(n).replace(",", "."))
        except Exception as exc:
            raise ValueError(f"'{n}' is not a number of working days") from exc
    doubled = Fraction(n) * 2 if not isinstance(n, float) else Fraction(n).limit_denominator(1000) * 2
    if doubled.denominator != 1:
        raise ValueError(f"{n} is not a multiple of half a working day")
    if doubled < 0:
        raise ValueError(f"{n}: a time limit cannot be negative")
    return int(doubled)


class WorkCalendar:
    """Working days of a span of years, as sorted numpy arrays for O(log n) look-ups."""

    def __init__(
        self,
        first_year: int,
        last_year: int,
        overrides: Mapping[dt.date, bool] | None = None,
        noon: str = "12:00",
        end: str = "17:00",
    ) -> None:
        self.first_year, self.last_year = first_year, last_year
        self.noon, self.end = _parse_hm(noon), _parse_hm(end)
        years = range(first_year, last_year + 1)
        vn = holidays.Vietnam(years=years)
        off = set(vn.keys())
        make_up = {d for d in getattr(vn, "weekend_workdays", ()) if first_year <= d.year <= last_year}
        overrides = overrides or {}
        day = dt.date(first_year, 1, 1)
        last = dt.date(last_year, 12, 31)
        working = []
        while day <= last:
            is_working = (day.weekday() < 5 and day not in off) or day in make_up
            is_working = overrides.get(day, is_working)
            if is_working:
                working.append(day)
            day += dt.timedelta(days=1)
        self.days = np.array(working, dtype="datetime64[D]")
        self._day_set = set(working)
        # Slot starts: 00:00 and noon of each working day, in order.
        minutes = self.days.astype("datetime64[m]")
        self.slot_starts = np.empty(2 * len(minutes), dtype="datetime64[m]")
        self.slot_starts[0::2] = minutes
        self.slot_starts[1::2] = minutes + self.noon
        self._first_minute = np.datetime64(f"{first_year}-01-01T00:00", "m")
        self._after_last_minute = np.datetime64(f"{last_year + 1}-01-01T00:00", "m")

    # -- single values ------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        self._check(day)
        return day in self._day_set

    def _check(self, day: dt.date) -> None:
        if not (self.first_year <= day.year <= self.last_year):
            raise ValueError(f"{day} is outside the calendar ({self.first_year}-{self.last_year})")

    def _slot_index(self, moment: dt.date) -> int:
        """Index of the first slot that starts at or after `moment` (a date means its end)."""
        if isinstance(moment, dt.datetime):
            self._check(moment)
            local = _to_local_naive(moment)
            return int(np.searchsorted(self.slot_starts, np.datetime64(local, "m"), side="left"))
        self._check(moment)
        return 2 * int(np.searchsorted(self.days, np.datetime64(moment, "D"), side="right"))

    def _slot_end(self, index: int, as_date: bool, tz: dt.tzinfo | None) -> dt.date:
        if index >= len(self.slot_starts):
            raise ValueError("the time limit ends after the calendar's last year")
        day = self.days[index // 2]
        if as_date:
            return day.astype(dt.date)
        naive = (day.astype("datetime64[m]") + (self.noon if index % 2 == 0 else self.end)).astype(dt.datetime)
        return timezone.make_aware(naive, tz) if tz else naive

    def add_working_days[D: dt.date](self, start: D, n: int | float | Decimal | Fraction | str) -> D:
        halves = half_days(n)
        if halves == 0:
            return start
        first = self._slot_index(start)
        tz = timezone.get_current_timezone() if isinstance(start, dt.datetime) and timezone.is_aware(start) else None
        return self._slot_end(first + halves - 1, as_date=not isinstance(start, dt.datetime), tz=tz)

    def working_days_between(self, a: dt.date, b: dt.date) -> float:
        """Working time from a to b, in days (multiples of 0.5); negative when b is before a."""
        if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
            raise TypeError("compare two dates or two datetimes")
        return (self._slot_index(b) - self._slot_index(a)) / 2

    # -- vectorised ---------------------------------------------------------------------------
    def add_working_days_bulk(self, starts: npt.ArrayLike, halves: npt.ArrayLike) -> np.ndarray:
        """starts: datetime64 (naive local); halves: ints. Returns datetime64[m] deadlines."""
        deadlines, ok = self.add_working_days_bulk_checked(starts, halves)
        if not ok.all():
            raise ValueError("a time limit starts or ends outside the calendar's years")
        return deadlines

    def add_working_days_bulk_checked(
        self, starts: npt.ArrayLike, halves: npt.ArrayLike
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like add_working_days_bulk, but a start outside the calendar's years or a deadline after its last day
        does not fail the whole array: returns (deadlines, ok) with ok False for those rows."""
        starts = np.asarray(starts).astype("datetime64[m]")
        halves = np.asarray(halves, dtype=np.int64)
        first = np.searchsorted(self.slot_starts, starts, side="left")
        last = first + halves - 1
        ok = (starts >= self._first_minute) & (starts < self._after_last_minute) & (last < len(self.slot_starts))
        days = self.days[np.clip(last, 0, len(self.slot_starts) - 1) // 2].astype("datetime64[m]")
        deadlines = days + np.where(last % 2 == 0, self.noon, self.end)
        return np.where(halves == 0, starts, deadlines), ok

    def add_working_days_bulk_dates(self, starts: npt.ArrayLike, days: npt.ArrayLike) -> np.ndarray:
        """Date variant: starts datetime64[D], whole days; returns datetime64[D]."""
        starts = np.asarray(starts).astype("datetime64[D]")
        days = np.asarray(days, dtype=np.int64)
        index = np.searchsorted(self.days, starts, side="right") + days - 1
        return np.where(days == 0, starts, self.days[np.clip(index, 0, len(self.days) - 1)])

    def working_days_between_bulk(self, a: npt.ArrayLike, b: npt.ArrayLike) -> np.ndarray:
        a = np.asarray(a).astype("datetime64[m]")
        b = np.asarray(b).astype("datetime64[m]")
        starts = self.slot_starts
        return (np.searchsorted(starts, b, side="left") - np.searchsorted(starts, a, side="left")) / 2


def _to_local_naive(moment: dt.datetime) -> dt.datetime:
    if timezone.is_aware(moment):
        return timezone.make_naive(moment, timezone.get_current_timezone())
    return moment


_lock = threading.Lock()
_state = {"calendar": None, "built": 0.0}


def get_calendar() -> WorkCalendar:
    """The process-wide calendar with the administrator's overrides; rebuilt when they change."""
    with _lock:
        cal = _state["calendar"]
        if cal is None or time.monotonic() - _state["built"] > _CACHE_SECONDS:
            from .models import CalendarOverride

            conf = settings.EISO
            first, last = conf["CALENDAR_YEARS"]
            overrides = {o.date: o.kind == CalendarOverride.Kind.WORKING_DAY for o in CalendarOverride.objects.all()}
            cal = WorkCalendar(first, last, overrides, noon=conf["WORKDAY_NOON"], end=conf["WORKDAY_END"])
            _state.update(calendar=cal, built=time.monotonic())
        return cal


def reset_calendar() -> None:
    with _lock:
        _state["calendar"] = None


def add_working_days[D: dt.date](start: D, n: int | float | Decimal | Fraction | str) -> D:
    return get_calendar().add_working_days(start, n)


def working_days_between(a: dt.date, b: dt.date) -> float:
    return get_calendar().working_days_between(a, b)


def is_working_day(day: dt.date) -> bool:
    return get_calendar().is_working_day(day)
