"""The dossier list pages by keyset (core.pagination) and searches through the trigram index, on both databases:
every page of a filtered list once, in order, both ways, even where dossiers share a moment of receipt; the links
keep the filters; the capped count; the jump to a day; bad cursors; each user's scope; the same search results on
SQLite (FTS5) and PostgreSQL (pg_trgm), checked against the same rule written in Python."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.roles import Role
from core.tests.keyset import page_link, walk
from core.text import search_key
from dossiers import search_index
from dossiers.models import Dossier
from dossiers.services import search as search_service
from dossiers.views import LIST_PAGES

from .conftest import T0

pytestmark = pytest.mark.django_db

NAMES = ["Nguyễn Văn An", "Nguyễn Văn Bình", "Trần Thị Kim Yến", "Lê Thị Hạnh", "Đặng Quốc Việt", "Nguyễn Thị Ánh"]
# Nine moments of receipt for 200 dossiers: pages end in the middle of dossiers received at the same minute.
MOMENTS = [
    T0 - dt.timedelta(days=d, hours=h)
    for d, h in [(0, 0), (0, 3), (1, 0), (2, 5), (2, 6), (5, 0), (9, 1), (9, 2), (30, 0)]
]


def _dossiers(agency, procedure, n, prefix, start=0):
    return [
        Dossier(
            agency=agency,
            procedure=procedure,
            field_id=procedure.field_id,
            code=f"{prefix}-{i:04d}",
            applicant_name=NAMES[i % len(NAMES)],
            applicant_key=search_key(NAMES[i % len(NAMES)]),
            received_at=MOMENTS[(i * 7) % len(MOMENTS)],
            due_at=MOMENTS[(i * 7) % len(MOMENTS)] + dt.timedelta(days=10),
            processing_days=10,
            status="returned" if i % 3 else "processing",
            completed_at=None if i % 3 == 0 else T0,
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def many(catalog, province):
    """130 dossiers of the land department (two procedures, two fields), 40 of a commune, 30 of the other province."""
    home, other = province["agencies"], province["other_agencies"]
    Dossier.objects.bulk_create(
        _dossiers(home["land"], catalog["home"], 90, "SNN")
        + _dossiers(home["land"], catalog["quick"], 40, "SNK", start=90)
        + _dossiers(home["commune_a"], catalog["quick"], 40, "XA")
        + _dossiers(other["land"], catalog["other"], 30, "AG")
    )
    return Dossier.objects.all()


def _listed(qs):
    return list(qs.order_by("-received_at", "-id").values_list("pk", flat=True))


@pytest.mark.parametrize(
    "who, params",
    [
        (Role.PROVINCIAL_VIEWER, {}),
        (Role.OVERSIGHT, {"status": "processing"}),
        (Role.STAFF, {}),
        (Role.PROVINCIAL_VIEWER, {"q": "nguyen van"}),
    ],
)
def test_pages_walk_the_whole_list_once_in_order_both_ways(many, users, client_as, catalog, who, params):
    client = client_as(users[who])
    visible = Dossier.objects.filter(agency__province=users[who].agency.province)
    if who == Role.STAFF:
        visible = visible.filter(agency=users[who].agency)
    if "status" in params:
        visible = visible.filter(status=params["status"])
    if "q" in params:
        visible = visible.filter(applicant_key__contains=params["q"])
    expected = _listed(visible)
    assert len(expected) > 50
    forward, pages = walk(client, "/dossiers/", params)
    assert forward == expected and pages == -(-len(expected) // 50)
    backward, _pages = walk(client, "/dossiers/", params, forward=False)
    assert backward == expected


def test_the_field_filter_is_kept_by_the_links(many, users, client_as, catalog):
    client = client_as(users[Role.OVERSIGHT])
    field = catalog["home"].field_id
    ids, pages = walk(client, "/dossiers/", {"field": field})
    assert pages == 2 and ids == _listed(Dossier.objects.filter(field_id=field, agency__province__code="86"))


def test_the_count_is_exact_under_the_cap_and_capped_above(many, users, client_as, monkeypatch):
    client = client_as(users[Role.PROVINCIAL_VIEWER])
    total = Dossier.objects.filter(agency__province__code="86").count()
    assert total == 170
    assert "170 hồ sơ" in client.get("/dossiers/").content.decode()
    monkeypatch.setattr(LIST_PAGES, "count_cap", 100)
    content = client.get("/dossiers/").content.decode()
    assert "Hơn 100 hồ sơ" in content and "170 hồ sơ" not in content
    assert client.get("/dossiers/").context["page"].count == 101  # counted up to the cap, not beyond
    monkeypatch.setattr(LIST_PAGES, "count_cap", 10_000)
    assert (
        "40 hồ sơ" in client.get("/dossiers/", {"agency": many.filter(code="XA-0000").get().agency_id}).content.decode()
    )


def test_the_cap_reads_in_vietnamese(many, users, client_as, monkeypatch):
    monkeypatch.setattr(LIST_PAGES, "count_cap", 10_000)
    Dossier.objects.bulk_create(
        _dossiers(many.get(code="SNN-0000").agency, many.get(code="SNN-0000").procedure, 10_001, "BIG", start=200)
    )
    content = client_as(users[Role.STAFF]).get("/dossiers/").content.decode()
    assert "Hơn 10.000 hồ sơ" in content


def test_jump_to_a_day_starts_with_its_last_dossier(many, users, client_as):
    client = client_as(users[Role.PROVINCIAL_VIEWER])
    day = timezone.localtime(MOMENTS[3]).date()
    response = client.get("/dossiers/", {"from": day.strftime("%d/%m/%Y"), "status": "returned"})
    page = response.context["page"]
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    visible = Dossier.objects.filter(agency__province__code="86", status="returned")
    expected = _listed(visible.filter(received_at__lt=end))
    assert [d.pk for d in page] == expected[:50] and page.jump_date == day
    assert page.has_previous and page.has_next
    content = response.content.decode()
    assert "từ ngày tiếp nhận" in content and day.strftime("%d/%m/%Y") in content
    # The rows before it (newer) are the previous page, the filter kept; fewer than a page: the list's first page.
    previous = client.get("/dossiers/" + page_link(content, "page-previous")).context["page"]
    newer = _listed(visible.filter(received_at__gte=end))
    assert 0 < len(newer) < 50 and [d.pk for d in previous] == _listed(visible)[:50] and not previous.has_previous
    day = timezone.localtime(MOMENTS[5]).date()  # more than a page of newer ones: the 50 just before
    response = client.get("/dossiers/", {"from": day.strftime("%d/%m/%Y")})
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    province = Dossier.objects.filter(agency__province__code="86")
    newer = _listed(province.filter(received_at__gte=end))
    previous = client.get("/dossiers/" + page_link(response.content.decode(), "page-previous")).context["page"]
    assert len(newer) > 50 and [d.pk for d in previous] == newer[-50:] and previous.has_previous
    # ISO dates are read too; a day before every dossier shows the end of the list, after every dossier its start.
    assert [d.pk for d in client.get("/dossiers/", {"from": day.isoformat()}).context["page"]][:1] == _listed(
        Dossier.objects.filter(agency__province__code="86", received_at__lt=end)
    )[:1]
    oldest = client.get("/dossiers/", {"from": "01/01/2001"}).context["page"]
    assert not oldest.has_next and oldest.has_previous and oldest.object_list
    assert not client.get("/dossiers/", {"from": "01/01/2999"}).context["page"].has_previous


@pytest.mark.parametrize(
    "params",
    [
        {"after": "abc"},
        {"before": "%%%"},
        {"after": "W10"},  # []
        {"after": "WyJ4IiwxXQ"},  # ["x", 1]
        {"after": "WyIyMDI2LTAzLTAyVDA5OjAwOjAwIiwxXQ"},  # a naive moment
        {"after": "WyIyMDI2LTAzLTAyVDA5OjAwOjAwKzA3OjAwIiw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"},  # an id too large
        {"after": "WyIyMDI2LTAzLTAyVDA5OjAwOjAwKzA3OjAwIiwiMVx1MDAwMCJd"},  # a NUL in it
        {"from": "32/13/2026"},
        {"from": "01/01/0001"},
        {"after": "A" * 5000},
    ],
)
def test_a_bad_cursor_or_day_shows_the_first_page_with_a_message(many, users, client_as, params):
    client = client_as(users[Role.PROVINCIAL_VIEWER])
    first = [d.pk for d in client.get("/dossiers/").context["page"]]
    response = client.get("/dossiers/", params)
    assert response.status_code == 200
    assert [d.pk for d in response.context["page"]] == first
    assert "không hợp lệ" in response.content.decode()


def test_a_cursor_never_reaches_beyond_the_users_scope(many, users, client_as):
    viewer = client_as(users[Role.PROVINCIAL_VIEWER])
    link = page_link(viewer.get("/dossiers/").content.decode(), "page-next")
    staff = client_as(users[Role.STAFF])
    page = staff.get("/dossiers/" + link).context["page"]
    assert page.object_list and {d.agency_id for d in page} == {users[Role.STAFF].agency_id}
    other = client_as(users["other_staff"])
    ids = walk(other, "/dossiers/", {})[0]
    assert ids == _listed(Dossier.objects.filter(agency=users["other_staff"].agency)) and len(ids) == 30


# -- search --------------------------------------------------------------------------------------
QUERIES = [
    "nguyen van",
    "NGUYỄN VĂN",
    "tran thi kim yen",
    "Ánh",
    "an",
    "snk-00",
    "SNN-0012",
    "xa-003",
    "thi",
    "yen",
    "đăng ký khai sinh",
    "1.001193",
    'a"b',
    "zzz",
    "-",
    "hạnh",
    "nguyen van bi",
]


def _reference(text):
    """The search rule in Python: code contains the text (case ignored), or the applicant's key or the procedure's
    key contains the text's key."""
    text, key = text.strip(), search_key(text)
    out = set()
    for d in Dossier.objects.select_related("procedure"):
        if text.lower() in d.code.lower() or (key and (key in d.applicant_key or key in d.procedure.search_key)):
            out.add(d.pk)
    return out


@pytest.mark.parametrize("indexed", [True, False])
def test_the_search_finds_the_same_dossiers_on_both_databases(many, indexed, monkeypatch):
    """Both databases against one rule; on SQLite through the FTS5 index and, for terms found too often, the plain
    LIKE (forced here with a limit of 0): the same dossiers either way."""
    if not indexed:
        monkeypatch.setattr(search_service, "INDEXED_AT_MOST", 0)
    for text in QUERIES:
        found = set(search_service.search_dossiers(Dossier.objects.all(), text).values_list("pk", flat=True))
        assert found == _reference(text), text
    assert _reference("nguyen van") and _reference("tran thi kim yen") and not _reference("zzz")


def test_the_search_index_follows_new_changed_and_deleted_dossiers(many):
    def found(text):
        return set(search_service.search_dossiers(Dossier.objects.all(), text).values_list("code", flat=True))

    assert found("vo thi sau") == set()
    d = Dossier.objects.get(code="SNN-0001")
    Dossier.objects.filter(pk=d.pk).update(applicant_name="Võ Thị Sáu", applicant_key="vo thi sau", code="NEW-0001")
    assert found("vo thi sau") == {"NEW-0001"} and found("SNN-0001") == set()
    Dossier.objects.filter(pk=d.pk).update(status="refused")  # a state change leaves the index as it is
    assert found("vo thi sau") == {"NEW-0001"}
    Dossier.objects.filter(pk=d.pk).delete()
    assert found("vo thi sau") == set() and found("NEW-0001") == set()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_puts_back_the_index_triggers_a_table_rebuild_dropped(many):
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {search_index.FTS_TABLE}_insert")
    assert search_index.ensure(connection) is True
    assert search_index.ensure(connection) is False
    Dossier.objects.bulk_create(_dossiers(many.first().agency, many.first().procedure, 1, "LATER", start=7))
    assert set(search_service.search_dossiers(Dossier.objects.all(), "later-0007").values_list("code", flat=True)) == {
        "LATER-0007"
    }


def test_the_search_index_can_be_taken_down_and_rebuilt(many):
    """What migration 0010 does and undoes."""

    def present():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE %s", [f"{search_index.FTS_TABLE}%"])
            else:
                cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE %s", ["dossier_%_trgm"])
            return {name for (name,) in cursor.fetchall()}

    assert present()
    if connection.vendor == "postgresql":  # the fixture's deferred foreign-key checks would refuse CREATE INDEX
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    search_index.uninstall(connection)
    assert present() == set()
    search_index.install(connection)
    assert present()
    found = set(search_service.search_dossiers(Dossier.objects.all(), "tran thi kim yen").values_list("pk", flat=True))
    assert found == _reference("tran thi kim yen")


def test_a_search_counts_up_to_its_own_cap(many, users, client_as, monkeypatch):
    from dossiers import views

    monkeypatch.setattr(views, "SEARCH_COUNT_CAP", 10)
    client = client_as(users[Role.PROVINCIAL_VIEWER])
    assert "Hơn 10 hồ sơ" in client.get("/dossiers/", {"q": "nguyen van"}).content.decode()
    assert "170 hồ sơ" in client.get("/dossiers/").content.decode()  # the list itself keeps the list's cap
