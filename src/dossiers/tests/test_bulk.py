import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from dossiers import bulk

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MOMENTS = st.one_of(
    st.none(),
    st.integers(-2 * 10**15, 4 * 10**15),
    st.integers(0, 10**6).map(lambda m: 1_735_000_000_000_000 + m * 60_000_000),
)


def django_text(us):
    """What Django writes for an aware datetime on SQLite: naive UTC, microseconds only when there are some."""
    return None if us is None else (EPOCH + dt.timedelta(microseconds=us)).replace(tzinfo=None).isoformat(" ")


@settings(max_examples=200, deadline=None)
@given(st.lists(MOMENTS, max_size=30))
def test_times_are_written_as_django_writes_them(values):
    assert bulk.sqlite_times(values) == [django_text(v) for v in values]
    assert bulk._pg_text(bulk.TIME, values) == [bulk.PG_NULL if v is None else django_text(v) + "+00" for v in values]


@settings(max_examples=50, deadline=None)
@given(MOMENTS, st.integers(2, 50))
def test_a_column_of_one_value_is_written_the_same(value, n):
    assert bulk.sqlite_times([value] * n) == [django_text(value)] * n
    assert bulk._pg_text(bulk.TIME, [value] * n) == [bulk.PG_NULL if value is None else django_text(value) + "+00"] * n
