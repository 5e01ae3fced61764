"""Vietnamese administrative documents as DOCX (Decree 30/2020/NĐ-CP's layout): Times New Roman, A4 with its margins,
the heading (the issuing agency and its superior, the number; the national motto and the place and date), a centred
title, the body, tables and the signature block. Reports, minutes and letters of every app are written with it
(python-docx); their PDF twins are HTML printed by WeasyPrint (`templates/print_base.html`)."""

import datetime as dt
from collections.abc import Sequence
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table

FONT = "Times New Roman"


def new_document() -> DocxDocument:
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(4)
    return doc


def _no_borders(table: Table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _line(cell, text: str, *, bold: bool = False, italic: bool = False, size: int = 13, upper: bool = False) -> None:
    paragraph = cell.add_paragraph() if cell.paragraphs[0].text or cell.paragraphs[0].runs else cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text.upper() if upper else text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def heading(doc: DocxDocument, *, superior: str, agency: str, number: str, place: str, day: dt.date) -> None:
    """The two columns at the top: the agency (its superior above it) and the number; the motto and place, date."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    left.width, right.width = Mm(70), Mm(95)
    if superior:
        _line(left, superior, size=12, upper=True)
    _line(left, agency, bold=True, size=12, upper=True)
    _line(left, "———", size=10)
    _line(left, f"Số: {number}", size=13)
    _line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, size=12)
    _line(right, "Độc lập - Tự do - Hạnh phúc", bold=True, size=13)
    _line(right, "———————", size=10)
    _line(right, f"{place}, ngày {day:%d} tháng {day:%m} năm {day:%Y}", italic=True, size=13)


def title(doc: DocxDocument, text: str, subtitle: str = "") -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(12)
    run = paragraph.add_run(text.upper())
    run.bold, run.font.size = True, Pt(14)
    if subtitle:
        sub = doc.add_paragraph()
        sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
        sub.add_run(subtitle).bold = True


def section(doc: DocxDocument, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(8)
    paragraph.add_run(text).bold = True


def paragraph(doc: DocxDocument, text: str, *, label: str = "", italic: bool = False) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    if label:
        p.add_run(f"{label} ").bold = True
    p.add_run(text).italic = italic


def table(doc: DocxDocument, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    """A bordered table, its header row bold, cells 12 pt."""
    t = doc.add_table(rows=1, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(t.rows[0].cells, headers, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(header))
        run.bold, run.font.size = True, Pt(12)
    for row in rows:
        cells = t.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            run = cell.paragraphs[0].add_run("" if value is None else str(value))
            run.font.size = Pt(12)
    return t


def signatures(doc: DocxDocument, blocks: Sequence[tuple[str, str, str]]) -> None:
    """Signature blocks side by side: (title, note, name); the last one on the right."""
    doc.add_paragraph()
    t = doc.add_table(rows=1, cols=max(2, len(blocks)))
    _no_borders(t)
    cells = t.rows[0].cells[-len(blocks) :]
    for cell, (heading_text, note, name) in zip(cells, blocks, strict=True):
        _line(cell, heading_text, bold=True, upper=True)
        _line(cell, note, italic=True, size=12)
        for _ in range(3):
            _line(cell, "")
        _line(cell, name, bold=True)


def to_bytes(doc: DocxDocument) -> bytes:
    out = BytesIO()
    doc.save(out)
    return out.getvalue()
