"""The printed dossier papers: A4, a Times-compatible serif, the agency header on one line where it fits."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from accounts.roles import Role
from documents.tests.test_layout import assert_times_compatible, pdf_fonts
from dossiers import services
from dossiers.models import Dossier

from .conftest import T0, receive_row, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(catalog, province, users):
    land = province["agencies"]["land"]
    services.push_event(land, receive_row(to_username=users[Role.STAFF].username))
    services.push_event(land, row("HS-001", "e2", "transfer", T0 + dt.timedelta(days=8), step="review",
                                  to_name="Phạm Quốc Việt", to_username="staff", to_unit="Phòng Đăng ký"))
    return Dossier.objects.get(code="HS-001")


def whole_lines(document, text):
    """The line boxes of the rendered document that hold exactly `text` (upper-cased by CSS or not)."""
    found = []
    for page in document.pages:
        for box in page._page_box.descendants():
            if type(box).__name__ == "LineBox":
                content = "".join(b.text for b in box.descendants() if hasattr(b, "text"))
                if " ".join(content.split()).upper() == text.upper():
                    found.append(box)
    return found


def text_right_edge(line):
    return max(b.position_x + b.width for b in line.descendants() if hasattr(b, "text"))


def test_the_apology_letter_is_a4_in_times_with_the_agency_on_one_line(late, users, client_as):
    client = client_as(users[Role.STAFF])
    client.post(f"/dossiers/{late.pk}/apology/", {
        "reason": "Xác minh thực địa", "signer_name": "Nguyễn Văn A", "signer_title": "Giám đốc",
        "new_due_at": timezone.localtime(timezone.now() + dt.timedelta(days=5)).strftime("%d/%m/%Y %H:%M")})
    letter = late.apologies.get()
    reader, fonts = pdf_fonts(client.get(f"/dossiers/apology/{letter.pk}.pdf").content)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert_times_compatible(fonts)
    html = render_to_string("dossiers/apology_print.html", {"letter": letter, "dossier": late})
    document = HTML(string=html).render()
    [motto] = whole_lines(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto_left = min(b.position_x for b in motto.descendants() if hasattr(b, "text"))
    for name in (letter.agency.name, letter.agency.parent.name):
        [line] = whole_lines(document, name)  # whole on one line, not broken in two
        assert text_right_edge(line) < motto_left, name  # and within its column


def test_the_control_sheet_is_a4_landscape_in_times(late, users, client_as):
    data = client_as(users[Role.STAFF]).get(f"/dossiers/{late.pk}/control-sheet.pdf").content
    reader, fonts = pdf_fonts(data)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert_times_compatible(fonts)
