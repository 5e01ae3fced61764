"""Keyset pagination for the long lists (dossiers, documents, the audit log), for every user.

A page is the `per_page` rows that follow (`?after=`) or precede (`?before=`) a row of the list, named by an opaque
cursor: that row's values of the list's order, which must end with a unique key (`-id`). The database seeks to the
cursor through the index matching the order, so page 4,000 costs what page 1 costs: no OFFSET, and no COUNT(*) over
millions of rows on every page. A total is shown as a capped count ("hơn 10.000 hồ sơ"): the rows are counted
through a `LIMIT cap + 1` subquery, exact below the cap. Instead of page numbers a list ordered by a date offers
`?from=dd/mm/yyyy`: the first page starting at that day (for a newest-first list, the last row of that day or the
nearest row before it).

A cursor or a date that does not read is ignored with a message (the first page is shown), never an error page.

Keys are the list's `order_by` terms: a field path ("-received_at", "agency__sort_key") or an ordering expression
(`type_rank().asc()`); none of them may be NULL. Libraries looked at (django-cursor-pagination compares every key
as text and has no seek bound an index can use; django-keyset-pagination-plus passes cursor strings unchecked to
the filter) did not fit, hence this module.
"""

import base64
import binascii
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import F, Model, OrderBy, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from .filters import MAX_ID

PER_PAGE = 50
COUNT_CAP = 10_000
CURSOR_PARAMS = ("after", "before", "from", "page")
MAX_CURSOR = 1000  # characters: a cursor is a few values, never a document


class InvalidCursor(ValueError):
    """A cursor that is not one this paginator wrote (tampered with, truncated, of another list)."""


@dataclass(frozen=True)
class Key:
    alias: str  # the annotation the key is read from and compared on
    expression: Any
    descending: bool


@dataclass
class KeysetPage:
    """One page of a list: its rows, cursors to its neighbours and the capped count of the whole filtered list."""

    object_list: list[Model]
    has_next: bool
    has_previous: bool
    next_cursor: str
    previous_cursor: str
    count: int  # the whole filtered list, at most `cap` + 1
    cap: int
    jump_date: dt.date | None = None
    date_jump: bool = False  # the list offers `?from=`
    kept: list[tuple[str, str]] = field(default_factory=list)  # the filters, for the date form's hidden inputs
    notices: list[str] = field(default_factory=list)

    @property
    def count_capped(self) -> bool:
        """True when the list holds more than `cap` rows (then `count` is not the total)."""
        return self.count > self.cap

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def __iter__(self) -> Iterator[Model]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)


def _plain(value: Any) -> Any:
    """A key value as JSON: datetimes and dates in ISO form with every digit (microseconds, offset)."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None:
        raise ValueError("keyset pagination needs keys that are never NULL")
    return value


def _read(value: Any, output_field: Any) -> Any:
    """A cursor's value as the key's type, or InvalidCursor: never a value the database would refuse."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise InvalidCursor
    if isinstance(value, str) and ("\x00" in value):
        raise InvalidCursor
    try:
        python = output_field.to_python(value)
    except (ValidationError, TypeError, ValueError, OverflowError):
        raise InvalidCursor from None
    if python is None:
        raise InvalidCursor
    if isinstance(python, int) and not isinstance(python, bool) and abs(python) > MAX_ID:
        raise InvalidCursor
    if isinstance(python, dt.datetime):
        if timezone.is_naive(python):
            raise InvalidCursor
    return python


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class KeysetPaginator:
    """Pages of `queryset` in the order `ordering` (whose last term is unique, e.g. "-id").

    `date_field`, the first term's field when the list is ordered by a date, enables `?from=`. `count_in_order`: the
    capped count walks the list's order (an index serves it); False for an order no index serves (the rows would be
    sorted just to be counted)."""

    def __init__(
        self,
        ordering: Sequence[str | OrderBy],
        *,
        per_page: int = PER_PAGE,
        count_cap: int = COUNT_CAP,
        date_field: str | None = None,
        count_in_order: bool = True,
    ) -> None:
        self.keys = []
        for i, term in enumerate(ordering):
            if isinstance(term, str):
                descending = term.startswith("-")
                expression = F(term.removeprefix("-"))
            else:
                descending, expression = term.descending, term.expression
            self.keys.append(Key(f"_keyset_{i}", expression, descending))
        self.per_page = per_page
        self.count_cap = count_cap
        self.date_field = date_field
        self.count_in_order = count_in_order
        if date_field is not None and (ordering[0] if isinstance(ordering[0], str) else "").lstrip("-") != date_field:
            raise ValueError("the date to jump to must be the first key of the order")

    # -- cursors -----------------------------------------------------------------------------------
    def cursor(self, row: Model) -> str:
        values = [_plain(getattr(row, key.alias)) for key in self.keys]
        return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")

    def decode(self, cursor: str, queryset: QuerySet) -> list[Any]:
        if not cursor or len(cursor) > MAX_CURSOR:
            raise InvalidCursor
        try:
            values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError):
            raise InvalidCursor from None
        if not isinstance(values, list) or len(values) != len(self.keys):
            raise InvalidCursor
        annotations = queryset.query.annotations
        return [_read(v, annotations[k.alias].output_field) for v, k in zip(values, self.keys, strict=True)]

    # -- queries -----------------------------------------------------------------------------------
    def annotate(self, queryset: QuerySet) -> QuerySet:
        return queryset.annotate(**{key.alias: key.expression for key in self.keys})

    def _ordered(self, queryset: QuerySet, reverse: bool = False) -> QuerySet:
        terms = []
        for key in self.keys:
            descending = key.descending != reverse
            terms.append(F(key.alias).desc() if descending else F(key.alias).asc())
        return queryset.order_by(*terms)

    def _beyond(self, values: list[Any], reverse: bool = False, inclusive: bool = False) -> Q:
        """The rows after the position `values` in the list's order (before it when `reverse`): the lexicographic
        comparison written out, AND the first key's bound alone, which an index seeks to."""

        def op(key: Key, strict: bool = True) -> str:
            smaller = key.descending != reverse  # a descending list walks on to smaller values
            return ("lt" if smaller else "gt") + ("" if strict else "e")

        branches = []
        for i, key in enumerate(self.keys):
            equal = {k.alias: v for k, v in zip(self.keys[:i], values[:i], strict=True)}
            last = i == len(self.keys) - 1
            branches.append(Q(**equal, **{f"{key.alias}__{op(key, strict=not (inclusive and last))}": values[i]}))
        first = self.keys[0]
        return reduce(or_, branches) & Q(**{f"{first.alias}__{op(first, strict=False)}": values[0]})

    def _from_day(self, day: dt.date, reverse: bool = False) -> Q:
        """The rows from the start of `day` on in the list's order (before it when `reverse`)."""
        first = self.keys[0]
        if first.descending:  # newest first: the page starts with the last row of that day
            bound = _day_start(day + dt.timedelta(days=1))
            lookup = "gte" if reverse else "lt"
        else:
            bound = _day_start(day)
            lookup = "lt" if reverse else "gte"
        return Q(**{f"{first.alias}__{lookup}": bound})

    def capped_count(self, queryset: QuerySet, cap: int | None = None) -> int:
        """The number of rows of `queryset`, counted up to `count_cap` + 1 (a LIMIT subquery, never a full COUNT).

        The subquery keeps the list's order, as every query of a page does: SQLite then walks the index of the order
        (after the filter's column) and stops at the cap, where unordered it picked the scope's index and read every
        row of the province to find the few of a rare filter."""
        cap = self.count_cap if cap is None else cap
        ordered = self._ordered(self.annotate(queryset)) if self.count_in_order else queryset.order_by()
        return ordered.values("pk")[: cap + 1].count()

    def _any(self, queryset: QuerySet, reverse: bool = False) -> bool:
        """Whether `queryset` has a row, asked in the list's order (see capped_count)."""
        return bool(self._ordered(queryset, reverse=reverse).values_list("pk")[:1])

    # -- the page ----------------------------------------------------------------------------------
    def _parse_day(self, text: str) -> dt.date:
        try:
            day = forms.DateField().clean(text)
        except ValidationError:
            raise InvalidCursor from None
        if not dt.date(1900, 1, 1) <= day <= dt.date(9998, 12, 31):
            raise InvalidCursor
        return day

    def page(self, request: HttpRequest, queryset: QuerySet, count_cap: int | None = None) -> KeysetPage:
        """The page `request` asks for (`after`, `before` or `from` in its query string) of `queryset`, filtered
        and scoped already; its rows counted up to `count_cap` (default: the paginator's). A bad cursor or date is
        reported to the user and the first page shown."""
        params = request.GET
        qs = self.annotate(queryset)
        notices = []
        page = None
        try:
            if params.get("after"):
                page = self._after(qs, self.decode(params["after"], qs))
            elif params.get("before"):
                page = self._before(qs, self.decode(params["before"], qs))
        except InvalidCursor:
            notices.append(_("Liên kết trang không hợp lệ; danh sách được hiển thị từ đầu."))
        if page is None and self.date_field and params.get("from"):
            try:
                page = self._from(qs, self._parse_day(params["from"]))
            except InvalidCursor:
                notices.append(_("Ngày cần đến không hợp lệ (dd/mm/yyyy); danh sách được hiển thị từ đầu."))
        if page is None:
            page = self._first(qs)
        page.cap = self.count_cap if count_cap is None else count_cap
        page.count = self.capped_count(queryset, page.cap)
        page.notices = notices
        page.date_jump = self.date_field is not None
        page.kept = [(name, value) for name, values in params.lists() if name not in CURSOR_PARAMS for value in values]
        for notice in notices:
            messages.warning(request, notice, fail_silently=True)
        return page

    def _make(self, rows: list[Model], has_next: bool, has_previous: bool) -> KeysetPage:
        return KeysetPage(
            object_list=rows,
            has_next=has_next,
            has_previous=has_previous,
            next_cursor=self.cursor(rows[-1]) if rows and has_next else "",
            previous_cursor=self.cursor(rows[0]) if rows and has_previous else "",
            count=0,
            cap=self.count_cap,
        )

    def _first(self, qs: QuerySet) -> KeysetPage:
        rows = list(self._ordered(qs)[: self.per_page + 1])
        return self._make(rows[: self.per_page], len(rows) > self.per_page, False)

    def _after(self, qs: QuerySet, values: list[Any]) -> KeysetPage:
        rows = list(self._ordered(qs.filter(self._beyond(values)))[: self.per_page + 1])
        if not rows:  # past the end (the rows after it were deleted): the last page instead
            return self._before_or_first(qs, values, inclusive=True)
        before = self._any(qs.filter(self._beyond(self._values(rows[0]), reverse=True)), reverse=True)
        return self._make(rows[: self.per_page], len(rows) > self.per_page, before)

    def _before(self, qs: QuerySet, values: list[Any]) -> KeysetPage:
        return self._before_or_first(qs, values)

    def _before_or_first(self, qs: QuerySet, values: list[Any], inclusive: bool = False) -> KeysetPage:
        rows = list(
            self._ordered(qs.filter(self._beyond(values, reverse=True, inclusive=inclusive)), reverse=True)[
                : self.per_page + 1
            ]
        )
        if len(rows) <= self.per_page:  # back at the start: the first page, full
            return self._first(qs)
        rows = rows[: self.per_page][::-1]
        return self._make(rows, self._any(qs.filter(self._beyond(self._values(rows[-1])))), True)

    def _from(self, qs: QuerySet, day: dt.date) -> KeysetPage:
        rows = list(self._ordered(qs.filter(self._from_day(day)))[: self.per_page + 1])
        has_previous = self._any(qs.filter(self._from_day(day, reverse=True)), reverse=True)
        if not rows and has_previous:  # nothing that early (or late): the end of the list
            page = self._last(qs)
        else:
            page = self._make(rows[: self.per_page], len(rows) > self.per_page, has_previous)
        page.jump_date = day
        return page

    def _last(self, qs: QuerySet) -> KeysetPage:
        rows = list(self._ordered(qs, reverse=True)[: self.per_page + 1])
        has_previous = len(rows) > self.per_page
        return self._make(rows[: self.per_page][::-1], False, has_previous)

    def _values(self, row: Model) -> list[Any]:
        return [getattr(row, key.alias) for key in self.keys]
