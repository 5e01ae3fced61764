"""Numbers in Vietnamese (1.234, 93,2) wherever they are read, and never where a program reads them (ids and years in
addresses, attributes and form values)."""

import re
from html.parser import HTMLParser
from io import BytesIO

import pytest

from accounts.roles import Role
from dossiers.tests.conftest import T0, catalog, receive_row  # noqa: F401

pytestmark = pytest.mark.django_db
BIG = 12345  # a primary key with thousands: "12.345" in an attribute would be a broken link or form value


class Attributes(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values = []

    def handle_starttag(self, tag, attrs):
        self.values += [(tag, name, value) for name, value in attrs if value]


def localized_numbers(html):
    """Attribute values holding a number written with a thousands dot (what a program cannot read back)."""
    parser = Attributes()
    parser.feed(html)
    return [
        (tag, name, value)
        for tag, name, value in parser.values
        if name not in {"title", "alt", "placeholder", "aria-label"} and re.search(r"\d\.\d{3}\b", value)
    ]


@pytest.fixture
def big(users, province, catalog):  # noqa: F811
    """An agency, a field and a notification whose ids run into the thousands; 1,234 dossiers of 2026."""
    from documents.models import Notification
    from dossiers.engine import EventProcessor
    from organizations.models import Agency
    from procedures.models import Field

    p, a = province["province"], province["agencies"]
    agency = Agency.objects.create(
        pk=BIG,
        province=p,
        kind=a["commune_a"].kind,
        code="XA9",
        name="UBND xã Mười Hai",
        parent=a["root"],
        obligation="encouraged",
    )
    field = Field.objects.create(pk=BIG, code="tu-phap", name="Tư pháp")
    note = Notification.objects.create(pk=BIG, user=users[Role.STAFF], kind="workflow", message="Hồ sơ chờ xử lý")
    rows = [(i, receive_row(f"HS-{i:04}", T0)) for i in range(1, 1235)]
    result = EventProcessor(a["land"]).process_batch(rows)
    assert not result.errors
    return {"agency": agency, "field": field, "note": note}


def test_counts_are_written_the_vietnamese_way(client_for, users, big):
    html = client_for(users[Role.ISO_SECRETARY]).get("/dossiers/").content.decode()
    assert "1.234 hồ sơ" in html


@pytest.mark.parametrize(
    "role, urls",
    [
        (
            Role.OVERSIGHT,
            [
                "/dossiers/",
                "/dossiers/analytics/",
                "/agencies/",
                f"/agencies/{BIG}/",
                "/accounts/users/",
                "/procedures/",
                "/audit/",
                "/documents/in-force/",
                f"/documents/in-force/?agency={BIG}",
            ],
        ),
        (Role.STAFF, ["/documents/notifications/", "/dossiers/"]),
    ],
)
def test_ids_and_years_are_not_localized_in_attributes(client_for, users, big, role, urls):
    client = client_for(users[role])
    problems = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        problems += [(url, *found) for found in localized_numbers(html)]
        assert ">2.026<" not in html, url  # a year is not a quantity
    assert not problems, problems


def test_localized_ids_would_break_the_filters_and_forms(client_for, users, big):
    """What the attributes are for: the filter by a big id finds its rows, the notification form opens its item."""
    client = client_for(users[Role.OVERSIGHT])
    html = client.get("/dossiers/").content.decode()
    assert f'<option value="{BIG}"' in html  # the field filter (and the agency filter) as the server reads them
    assert client.get(f"/dossiers/?field={BIG}").status_code == 200
    staff = client_for(users[Role.STAFF])
    html = staff.get("/documents/notifications/").content.decode()
    assert f'name="id" value="{BIG}"' in html
    assert staff.post("/documents/notifications/", {"id": str(BIG)}).status_code == 302


def test_analytics_xlsx_numbers_are_number_cells_with_thousands(client_for, users, big):
    from openpyxl import load_workbook

    response = client_for(users[Role.OVERSIGHT]).get("/dossiers/analytics.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content))["Theo cơ quan"]
    received = [row[1] for row in sheet.iter_rows(min_row=2) if row[1].value]
    assert max(cell.value for cell in received) == 1234
    assert {cell.number_format for cell in received} == {"#,##0"}
