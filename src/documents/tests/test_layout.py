"""Generated Word and PDF files follow the layout of Vietnamese administrative documents: A4, margins 2/2/3/2 cm,
Times New Roman 13 pt (a metric-compatible Liberation Serif in PDFs when Times is not installed)."""

import io

import docx
import pytest
from docx.shared import Cm, Pt
from pypdf import PdfReader

from documents import services
from documents.samples import make_docx, make_pdf

pytestmark = pytest.mark.django_db


def assert_a4_administrative(word):
    for section in word.sections:
        assert (round(section.page_width.cm, 2), round(section.page_height.cm, 2)) == (21.0, 29.7)
        margins = [round(m.cm, 2) for m in (section.top_margin, section.bottom_margin, section.left_margin)]
        assert margins == [2.0, 2.0, 3.0]
        assert 1.5 <= round(section.right_margin.cm, 2) <= 2.0
    normal = word.styles["Normal"].font
    assert normal.name == "Times New Roman" and Pt(13) <= normal.size <= Pt(14)
    rfonts = word.styles["Normal"].element.rPr.rFonts
    assert {rfonts.get(f"{{{rfonts.nsmap['w']}}}{slot}") for slot in ("ascii", "hAnsi", "cs")} == {"Times New Roman"}


def pdf_fonts(data):
    reader = PdfReader(io.BytesIO(data))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return reader, fonts


def assert_times_compatible(fonts):
    assert fonts and all(f.replace("-", "").startswith(("TimesNewRoman", "LiberationSerif")) for f in fonts), fonts


def test_the_in_force_export_is_a4_with_administrative_margins(make_document, issue, agency):
    issue(make_document().versions.get())
    word = docx.Document(io.BytesIO(services.export_in_force_docx(agency)))
    assert_a4_administrative(word)
    assert word.paragraphs[0].text == agency.parent.name.upper()  # the supervising agency heads the page
    table = word.tables[0]
    assert round(sum(cell.width for cell in table.rows[0].cells) / Cm(1), 2) <= 16.0


def test_sample_files_follow_the_same_layout():
    assert_a4_administrative(docx.Document(io.BytesIO(make_docx("QUY TRÌNH", ["# Mục đích", "Nội dung."]))))
    reader, fonts = pdf_fonts(make_pdf("CHÍNH SÁCH CHẤT LƯỢNG", ("Công khai – minh bạch.",)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert_times_compatible(fonts)
