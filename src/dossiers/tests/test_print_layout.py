"""The printed dossier papers: A4, a Times-compatible serif, the agency header on one line where it fits."""

import datetime as dt

import pytest
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import HTML

from accounts.roles import Role
from documents.tests.test_layout import assert_times_compatible, pdf_fonts
from dossiers import services

pytestmark = pytest.mark.django_db


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


def test_the_apology_letter_is_a4_in_times_with_the_agency_on_one_line(dossier, users, client_as):
    client = client_as(users[Role.STAFF])
    client.post(
        f"/dossiers/{dossier.pk}/apology/",
        {
            "reason": "Xác minh thực địa",
            "signer_name": "Nguyễn Văn A",
            "signer_title": "Giám đốc",
            "new_due_at": timezone.localtime(timezone.now() + dt.timedelta(days=5)).strftime("%d/%m/%Y %H:%M"),
        },
    )
    letter = dossier.apologies.get()
    reader, fonts = pdf_fonts(client.get(f"/dossiers/apology/{letter.pk}.pdf").content)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert_times_compatible(fonts)
    html = render_to_string("dossiers/apology_print.html", {"letter": letter, "dossier": dossier})
    document = HTML(string=html).render()
    [motto] = whole_lines(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto_left = min(b.position_x for b in motto.descendants() if hasattr(b, "text"))
    for name in (letter.agency.name, letter.agency.parent.name):
        [line] = whole_lines(document, name)  # whole on one line, not broken in two
        assert text_right_edge(line) < motto_left, name  # and within its column


def test_the_control_sheet_is_a4_landscape_in_times(dossier, users, client_as):
    data = client_as(users[Role.STAFF]).get(f"/dossiers/{dossier.pk}/control-sheet.pdf").content
    reader, fonts = pdf_fonts(data)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    assert_times_compatible(fonts)


def sheet_rows(document):
    """Per page: (the texts of its header rows, the numbers (first cell) of its body rows)."""
    pages = []
    for page in document.pages:
        headers, rows = [], []
        tables = [
            box
            for box in page._page_box.descendants()
            if type(box).__name__ == "TableBox" and "sheet" in (box.element.get("class") or "").split()
        ]
        for group in (g for table in tables for g in table.children if type(g).__name__ == "TableRowGroupBox"):
            for row_box in group.children:
                cells = [
                    " ".join("".join(b.text for b in c.descendants() if hasattr(b, "text")).split())
                    for c in row_box.children
                ]
                (headers if group.is_header else rows).append(cells[0] if not group.is_header else " ".join(cells))
        pages.append((headers, rows))
    return pages


def test_the_control_sheet_repeats_its_header_and_never_splits_a_row(dossier):
    import copy

    lines = []
    for i in range(24):  # long notes: rows tall enough that page breaks fall inside some of them
        for line in services.step_lines(dossier):
            event = copy.copy(line["event"])
            event.note = f"Ghi chú {i}: " + "bổ sung giấy tờ, xác minh nguồn gốc đất tại thực địa; " * (3 + i % 5)
            lines.append({**line, "event": event})
    html = render_to_string(
        "dossiers/control_sheet_print.html",
        {"dossier": dossier, "lines": lines, "pdf": True, "steps": services.process_steps(dossier)},
    )
    pages = sheet_rows(HTML(string=html).render())
    assert len(pages) >= 2
    numbers = [n for _headers, rows in pages for n in rows]
    assert numbers == [str(i) for i in range(1, len(lines) + 1)]  # each row once: none split over two pages
    for headers, rows in pages:
        assert rows and len(headers) == 1 and "Thời gian giao, nhận hồ sơ" in headers[0]
