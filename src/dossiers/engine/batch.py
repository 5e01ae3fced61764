"""A batch of events as columns, and its parsing: the event ids, dossier codes, kinds and times of its rows."""

import datetime as dt
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from core.text import search_key

from ..models import EventKind
from .times import LocalTime, parse_moments, to_us

KIND_ALIASES = {
    "tiep nhan": EventKind.RECEIVE,
    "chuyen": EventKind.TRANSFER,
    "chuyen xu ly": EventKind.TRANSFER,
    "yeu cau bo sung": EventKind.SUPPLEMENT_REQUEST,
    "nhan bo sung": EventKind.SUPPLEMENT_RECEIVED,
    "nhan ho so bo sung": EventKind.SUPPLEMENT_RECEIVED,
    "tra ket qua": EventKind.RETURN,
    "tu choi": EventKind.REFUSE,
}
KIND_ALIASES.update({k.value: k for k in EventKind})
KIND_VALUE = {k: str(k.value) for k in EventKind}
# Each row's kind as a small integer, for the comparisons over whole columns: the kinds of the plain flow, and
# OTHER for supplements, refusals and unknown kinds.
RECEIVE, TRANSFER, RETURN, OTHER = 0, 1, 2, 3
KIND_CODE = {EventKind.RECEIVE: RECEIVE, EventKind.TRANSFER: TRANSFER, EventKind.RETURN: RETURN}


class RowError(Exception):
    """A row refused by a rule (its message is the reason shown to the user)."""


class Batch:
    """Rows as columns: the row numbers and {key: [values]}. A row dict is rebuilt only for error reports."""

    def __init__(self, numbers, columns: dict[str, list]):
        self.numbers, self.columns = list(numbers), columns
        self._text = {}

    @classmethod
    def from_rows(cls, rows) -> "Batch":
        """rows: iterable of (row_number, dict)."""
        rows = list(rows)
        keys = {}
        for _number, row in rows:
            keys.update(dict.fromkeys(row))
        return cls(
            [number for number, _row in rows],
            {
                key: [value.strip() if type(value) is str else value for value in (row.get(key) for _n, row in rows)]
                for key in keys
            },
        )

    def __len__(self) -> int:
        return len(self.numbers)

    def row(self, i: int) -> dict:
        return {key: values[i] for key, values in self.columns.items()}

    def text(self, key: str, limit: int | None = None) -> list[str]:
        """The column as stripped strings ("" where absent), cut to `limit` characters."""
        cache_key = (key, limit)
        if cache_key not in self._text:
            values = self.columns.get(key)
            if values is None:
                values = [""] * len(self.numbers)
            elif set(map(type, values)) != {str}:
                values = ["" if v is None else str(v).strip() for v in values]
            if limit and values and max(map(len, values)) > limit:
                values = [v[:limit] for v in values]
            self._text[cache_key] = values
        return self._text[cache_key]


@dataclass
class BatchResult:
    stored: int = 0
    duplicates: int = 0
    errors: list = field(default_factory=list)  # (row_number, reason, row)


@dataclass
class Parsed:
    """The parsed columns of a batch, one item per row. `errors` ({row index: reason}) holds the rows refused so
    far (parsing first, then the rules); `ok` the others, in file order, as parsing left them."""

    ids: list[str]
    codes: list[str]
    kinds: list[EventKind | None]
    kind_codes: np.ndarray  # int8: RECEIVE, TRANSFER, RETURN or OTHER
    moments: np.ndarray  # int64 UTC microseconds
    months: list  # the first day of each row's month in local time (the summaries' key)
    errors: dict[int, str]

    @property
    def ok(self) -> list[int]:
        return [i for i in range(len(self.ids)) if i not in self.errors]


# The longest cell an import reads: the longest field of an event is its note (500 characters).
MAX_CELL = 2000


def parse(batch: Batch, local: LocalTime) -> Parsed:
    """The batch's ids, codes, kinds and times, each row that cannot be read given its reason."""
    n = len(batch)
    errors = {}

    def fail(indices, reason):
        for i in indices:
            errors.setdefault(i, reason)

    for values in batch.columns.values():
        if "\ufffd" in (
            "\x00".join(values) if set(map(type, values)) == {str} else "\x00".join(v for v in values if type(v) is str)
        ):
            fail(
                [i for i, v in enumerate(values) if type(v) is str and "\ufffd" in v],
                _("Có ký tự không đọc được (sai bảng mã của tệp)."),
            )
    for key, values in batch.columns.items():  # a cell longer than any field holds is a bad row, not cut silently
        if values and max(len(v) if type(v) is str else 0 for v in values) > MAX_CELL:
            fail(
                [i for i, v in enumerate(values) if type(v) is str and len(v) > MAX_CELL],
                _("Ô “%(key)s” quá dài (quá %(max)s ký tự).") % {"key": key, "max": MAX_CELL},
            )
    ids, codes = batch.text("event_id", 80), batch.text("dossier_code", 60)
    if "" in ids:
        fail([i for i, v in enumerate(ids) if not v], _("Thiếu mã sự kiện."))
    if "" in codes:
        fail([i for i, v in enumerate(codes) if not v], _("Thiếu mã hồ sơ."))
    kind_texts = batch.text("event")
    kinds = list(map(KIND_ALIASES.get, kind_texts))
    if None in kinds:
        for i, kind in enumerate(kinds):
            if kind is None:
                kinds[i] = KIND_ALIASES.get(search_key(kind_texts[i]))
                if kinds[i] is None:
                    fail([i], _("Loại sự kiện “%(v)s” không hợp lệ.") % {"v": kind_texts[i]})
    moments = parse_moments(batch.columns.get("occurred_at") or [""] * n, local, errors)
    # An event dated ahead of now beyond the tolerance (clocks of the sending software drift a little) is refused:
    # a receipt dated 03/12/2030 would hold a deadline years away and never count as late.
    tolerance = dt.timedelta(minutes=settings.EISO.get("EVENT_FUTURE_TOLERANCE_MINUTES", 60))
    ahead = np.flatnonzero(moments > to_us(timezone.now() + tolerance))
    if len(ahead):
        for i in ahead.tolist():
            errors.setdefault(
                i,
                _("Thời điểm “%(v)s” ở tương lai (sau thời điểm hiện tại quá %(m)s phút).")
                % {"v": batch.text("occurred_at")[i], "m": int(tolerance.total_seconds() // 60)},
            )
    kind_codes = np.fromiter(map(KIND_CODE.get, kinds, repeat(OTHER)), dtype=np.int8, count=n)
    return Parsed(ids, codes, kinds, kind_codes, moments, local.months(moments), errors)
