"""The documents in force on a date (for one agency or every agency of a province) and the exports of
that list (XLSX, DOCX in the administrative layout); generated files stored as a version's file."""

import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db.models import Case, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from organizations.models import Agency

from .. import files
from ..models import (
    DocumentType,
    DocumentVersion,
)

TYPE_ORDER = [t.value for t in DocumentType]


def type_rank() -> Case:
    """An ORDER BY expression: documents by type in the order of the quality system (policy first)."""
    return Case(*[When(doc_type=t, then=Value(i)) for i, t in enumerate(TYPE_ORDER)], default=Value(99))


@dataclass(frozen=True)
class InForceRow:
    """One line of the list of documents in force (plain values: the list is read-only and long)."""

    id: int
    code: str
    title: str
    doc_type: str
    owner_unit: str
    review_due: dt.date | None
    needs_review: bool
    revision: int
    effective_date: dt.date | None
    agency_id: int = 0
    agency_name: str = ""
    agency_sort_key: str = ""

    def get_doc_type_display(self) -> str:
        return str(DocumentType(self.doc_type).label)

    def get_absolute_url(self) -> str:
        return reverse("documents:document_detail", args=[self.id])


def in_force_versions(as_of: dt.date | None = None) -> QuerySet[DocumentVersion]:
    """The revisions in force on `as_of` (default today): one per document, at most.

    In force on a day: issued with effect from that day or earlier, and not yet retired (superseded or
    withdrawn) on that day. A revision issued today with effect from tomorrow is not in force today; the
    revision it replaces (retired from tomorrow) still is."""
    as_of = as_of or timezone.localdate()
    return DocumentVersion.objects.filter(status__in=DocumentVersion.CLOSED, effective_date__lte=as_of).filter(
        Q(retired_on__isnull=True) | Q(retired_on__gt=as_of)
    )


def in_force_documents(agencies: Agency | Iterable[Agency], as_of: dt.date | None = None) -> list[InForceRow]:
    """The list of documents in force (danh mục tài liệu) of one agency or of several, on `as_of` (default
    today), by agency, then type, then code.

    Read as plain values: loading audited model instances would fetch and snapshot every column
    (content included) of 500 documents and their versions for a read-only list."""
    from organizations.models import Agency

    versions = in_force_versions(as_of)
    if isinstance(agencies, Agency):
        versions = versions.filter(document__agency=agencies)
    else:
        versions = versions.filter(document__agency__in=agencies)
    rows = versions.values_list(
        "document_id",
        "document__code",
        "document__title",
        "document__doc_type",
        "document__owner_unit",
        "document__review_due",
        "document__needs_review",
        "revision",
        "effective_date",
        "document__agency_id",
        "document__agency__name",
        "document__agency__sort_key",
    )
    docs = [InForceRow(*row) for row in rows]
    return sorted(docs, key=lambda d: (d.agency_sort_key, d.agency_id, TYPE_ORDER.index(d.doc_type), d.code))


EXPORT_HEADERS = [
    gettext_lazy("STT"),
    gettext_lazy("Mã hiệu"),
    gettext_lazy("Tên tài liệu"),
    gettext_lazy("Loại tài liệu"),
    gettext_lazy("Lần ban hành"),
    gettext_lazy("Ngày hiệu lực"),
    gettext_lazy("Đơn vị chủ trì"),
    gettext_lazy("Hạn xem xét"),
]


def _export_rows(agency: Agency, as_of: dt.date | None = None) -> Iterator[list[int | str]]:
    for i, d in enumerate(in_force_documents(agency, as_of), start=1):
        yield [
            i,
            d.code,
            d.title,
            d.get_doc_type_display(),
            f"{d.revision:02d}",
            d.effective_date.strftime("%d/%m/%Y") if d.effective_date else "",
            d.owner_unit,
            d.review_due.strftime("%d/%m/%Y") if d.review_due else "",
        ]


def _dated(as_of: dt.date | None) -> str:
    as_of = as_of or timezone.localdate()
    return as_of.strftime("%d/%m/%Y")


def export_in_force_xlsx(agency: Agency, as_of: dt.date | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from core.xlsx import safe_row

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh muc tai lieu"
    ws.append([_("DANH MỤC TÀI LIỆU HTQLCL ĐANG HIỆU LỰC")])
    ws.append([agency.name])
    ws.append([_("Tài liệu hiệu lực tại ngày %(d)s") % {"d": _dated(as_of)}])
    ws.append([])
    ws.append([str(h) for h in EXPORT_HEADERS])
    for cell in ws[1] + ws[5]:
        cell.font = Font(bold=True)
    for row in _export_rows(agency, as_of):
        ws.append(safe_row(row))
    for col, width in zip("ABCDEFGH", (6, 14, 60, 22, 12, 14, 28, 14), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=6):
        row[2].alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_in_force_docx(agency: Agency, as_of: dt.date | None = None) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    from ..layout import a4_document, text_width_cm

    document = a4_document()
    if agency.parent_id:
        document.add_paragraph(agency.parent.name.upper())
    head = document.add_paragraph(agency.name.upper())
    head.runs[0].bold = True
    title = document.add_paragraph(_("DANH MỤC TÀI LIỆU HTQLCL ĐANG HIỆU LỰC"))
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].bold = True
    title.runs[0].font.size = Pt(14)
    sub = document.add_paragraph(
        _("(Theo TCVN ISO 9001:2015 – tài liệu hiệu lực tại ngày %(d)s)") % {"d": _dated(as_of)}
    )
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    rows = list(_export_rows(agency, as_of))
    table = document.add_table(rows=1, cols=len(EXPORT_HEADERS))
    table.style = "Table Grid"
    table.autofit = False
    # Column widths (cm) filling the 16 cm between the margins: the title gets the room.
    shares = (1.0, 2.0, 4.4, 2.0, 1.2, 2.0, 1.8, 1.6)
    widths = [Cm(w * text_width_cm() / sum(shares)) for w in shares]
    for cell, header in zip(table.rows[0].cells, EXPORT_HEADERS, strict=True):
        cell.text = str(header)
        cell.paragraphs[0].runs[0].bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)
    for table_row in table.rows:
        for cell, width in zip(table_row.cells, widths, strict=True):
            cell.width = width
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def store_generated_file(version: DocumentVersion, name: str, data: bytes) -> DocumentVersion:
    """Attach generated bytes (demo data, imports) as a version's file, validated like an upload."""
    upload = ContentFile(data, name=name)
    kind, text = files.inspect_upload(upload)
    version.file_kind, version.text, version.original_name, version.file_size = kind, text, name, len(data)
    version.file_sha256 = files.sha256(upload)
    version.file.save(name, upload, save=False)
    return version
