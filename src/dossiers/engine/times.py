"""Times in the engine: integer microseconds since the epoch (UTC), parsed from what exports hold."""

import datetime as dt
import re

import numpy as np
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
US = dt.timedelta(microseconds=1)
NONE = np.iinfo(np.int64).min  # an absent time, in a column or a rule (earlier than any time)
_ISO = r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?)?"
ISO_COLUMN = re.compile(rf"(?:{_ISO}\n)*{_ISO}")
DMY = re.compile(r"^(\d\d)/(\d\d)/(\d{4})", re.M)


def to_us(moment: dt.datetime) -> int:
    """An aware datetime as microseconds since the epoch (UTC)."""
    return (moment - EPOCH) // US


def from_us(value: int | None, tz: dt.tzinfo = UTC) -> dt.datetime | None:
    return None if value is None else (EPOCH + dt.timedelta(microseconds=value)).astimezone(tz)


def known(value: int | None) -> int:
    """A stored time (None when absent) as the rules take it: NONE when absent."""
    return NONE if value is None else value


def parse_moment(value, tz: dt.tzinfo | None = None) -> dt.datetime:
    """An aware datetime from an ISO string, 'dd/mm/yyyy HH:MM[:SS]', or a datetime (from XLSX).
    A naive value is taken in `tz` (default: the current time zone)."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = str(value or "").strip()
        if not text:
            raise ValueError(_("thiếu thời điểm"))
        moment = None
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            for pattern in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
                try:
                    moment = dt.datetime.strptime(text, pattern)
                    break
                except ValueError:
                    continue
        if moment is None:
            try:
                moment = parse_datetime(text)
            except ValueError:  # well-formed but impossible ("2026-13-01 08:00"): Python's message is English
                moment = None
        if moment is None:
            raise ValueError(_("thời điểm “%(v)s” không đúng định dạng (dd/mm/yyyy HH:MM hoặc ISO 8601)") % {"v": text})
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=tz or timezone.get_current_timezone())
    return moment


class LocalTime:
    """Between UTC microseconds and the naive local time of a zone, by columns. The offset is looked up once
    per calendar day (at noon): exact for Vietnam, which has no daylight saving time."""

    def __init__(self, tz: dt.tzinfo):
        self.tz, self._offsets = tz, {}

    def _offset(self, day):
        if day not in self._offsets:
            self._offsets[day] = self.tz.utcoffset(dt.datetime(day.year, day.month, day.day, 12)) // US
        return self._offsets[day]

    def offsets(self, us: np.ndarray) -> np.ndarray:
        days, inverse = np.unique(us.view("datetime64[us]").astype("datetime64[D]"), return_inverse=True)
        return np.array([self._offset(day) for day in days.tolist()], dtype=np.int64)[inverse.ravel()]

    def to_utc(self, local_us: np.ndarray) -> np.ndarray:
        return local_us - self.offsets(local_us)

    def to_local(self, utc_us: np.ndarray) -> np.ndarray:
        return utc_us + self.offsets(utc_us)

    def months(self, utc_us: np.ndarray) -> list:
        """The first day of each time's month in local time (the summaries' key), one date object per month."""
        local_months = self.to_local(utc_us).view("datetime64[us]").astype("datetime64[M]")
        distinct, inverse = np.unique(local_months, return_inverse=True)
        return np.array(distinct.astype(dt.date).tolist() + [None], dtype=object)[inverse.ravel()].tolist()


def parse_moments(values: list, local: LocalTime, errors: dict[int, str]) -> np.ndarray:
    """The timestamps as UTC microseconds (int64 array). Columns of ISO or dd/mm/yyyy text (what exports
    hold) are parsed by numpy; anything else (datetimes from XLSX, offsets, odd formats) row by row, a row that
    cannot be read going to `errors` ({row index: reason})."""
    n = len(values)
    if set(map(type, values)) == {str}:
        text = "\n".join(values)
        if "/" in text:
            text = DMY.sub(r"\3-\2-\1", text)
        if ISO_COLUMN.fullmatch(text):
            try:
                array = np.array(text.split("\n"), dtype="datetime64[us]").view(np.int64)
            except ValueError:
                pass  # a day or month out of range: row by row says which
            else:
                if not np.isnat(array.view("datetime64[us]")).any():
                    return local.to_utc(array)
    result = np.zeros(n, dtype=np.int64)
    for i, value in enumerate(values):
        if i in errors:
            continue
        try:
            result[i] = to_us(parse_moment(value, local.tz))
        except ValueError as exc:
            errors.setdefault(i, str(exc)[:1].upper() + str(exc)[1:] + ".")
    return result
