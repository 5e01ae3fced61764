import datetime as dt
import io

import docx
import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.roles import Role
from documents import search, services
from documents.models import Document, QmsTemplate, RecordFile, RecordType, TemplateDocument

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(province, kinds, users):
    t = services.create_template(
        user=users[Role.OVERSIGHT],
        province=province["province"],
        kind=kinds["department"],
        name="Mô hình HTQLCL cấp Sở",
    )
    oversight = users[Role.OVERSIGHT]
    services.save_template_document(
        user=oversight,
        template=t,
        doc_type="policy",
        code="CS-01",
        title="Chính sách chất lượng",
        body="Cam kết phục vụ người dân.",
        order=1,
    )
    services.save_template_document(
        user=oversight,
        template=t,
        doc_type="procedure",
        code="QT-01",
        title="Quy trình kiểm soát tài liệu",
        body="# Mục đích\nThống nhất cách kiểm soát tài liệu.",
        order=2,
        records=[{"name": "Danh mục tài liệu nội bộ", "kept_by": "Thư ký ISO", "retention_months": 36}],
    )
    return t


def test_only_oversight_manages_templates(province, kinds, users, template):
    with pytest.raises(PermissionDenied):
        services.create_template(
            user=users[Role.ISO_SECRETARY], province=province["province"], kind=kinds["department"], name="X"
        )
    with pytest.raises(PermissionDenied):  # oversight of another province
        services.save_template_document(
            user=users["other_oversight"], template=template, doc_type="form", code="BM-01", title="Biểu mẫu"
        )
    with pytest.raises(ValidationError, match="đã có trong mô hình"):
        services.save_template_document(
            user=users[Role.OVERSIGHT], template=template, doc_type="form", code="cs-01", title="Trùng"
        )


def test_an_agency_builds_its_qms_from_a_template_in_one_step(template, agency, secretary):
    created = services.instantiate_template(template, agency, secretary)
    assert [d.code for d in created] == ["CS-01", "QT-01"]
    assert all(d.versions.get().status == "draft" for d in created)
    qt = Document.objects.get(agency=agency, code="QT-01")
    assert "Thống nhất cách kiểm soát" in qt.versions.get().body
    assert RecordType.objects.get(document=qt).retention_months == 36
    assert set(search.search(Document.objects.all(), "kiem soat tai lieu").values_list("code", flat=True)) == {"QT-01"}
    # then adapts it
    services.update_draft(qt.versions.get(), secretary, title="Quy trình kiểm soát tài liệu và hồ sơ")
    qt.refresh_from_db()
    assert qt.title.endswith("và hồ sơ") and TemplateDocument.objects.get(code="QT-01").title.endswith("tài liệu")


def test_instantiation_is_all_or_nothing(template, agency, secretary, make_document, users, province):
    make_document(code="QT-01")
    with pytest.raises(ValidationError, match="QT-01"):
        services.instantiate_template(template, agency, secretary)
    assert list(Document.objects.values_list("code", flat=True)) == ["QT-01"]
    with pytest.raises(PermissionDenied):  # nobody builds another agency's QMS
        services.instantiate_template(template, province["agencies"]["commune_a"], secretary)


def test_records_and_retention_expiry(make_document, secretary, agency):
    procedure = make_document(code="QT-05")
    form = make_document(code="BM-05", title="Sổ theo dõi", doc_type="form")
    rt = services.create_record_type(
        user=secretary,
        document=procedure,
        form=form,
        name="Sổ theo dõi hồ sơ",
        kept_by="Bộ phận một cửa",
        kept_at="Tủ hồ sơ số 2",
        retention_months=24,
    )
    assert rt.retention_display == "2 năm"
    with pytest.raises(ValidationError, match="quy trình"):
        services.create_record_type(user=secretary, document=form, name="X", kept_by="Y", retention_months=1)
    old = services.add_record_file(user=secretary, record_type=rt, label="Năm 2022", closed_on=dt.date(2022, 12, 31))
    services.add_record_file(user=secretary, record_type=rt, label="Năm 2026", closed_on=dt.date(2026, 12, 31))
    assert old.expires_on == dt.date(2024, 12, 31)
    expiring = services.expiring_record_files(RecordFile.objects.all(), today=dt.date(2026, 1, 1))
    assert [f.label for f in expiring] == ["Năm 2022"]


def test_in_force_list_and_exports(make_document, issue, agency):
    for code, title, kind in [
        ("QT-02", "Quy trình kiểm soát hồ sơ", "procedure"),
        ("CS-01", "Chính sách chất lượng", "policy"),
        ("QT-01", "Quy trình kiểm soát tài liệu", "procedure"),
    ]:
        issue(make_document(code=code, title=title, doc_type=kind).versions.get(), effective_date=dt.date(2026, 1, 5))
    make_document(code="QT-99", title="Dự thảo chưa ban hành")
    listed = services.in_force_documents(agency)
    assert [d.code for d in listed] == ["CS-01", "QT-01", "QT-02"]
    sheet = openpyxl.load_workbook(io.BytesIO(services.export_in_force_xlsx(agency))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "DANH MỤC TÀI LIỆU HTQLCL ĐANG HIỆU LỰC" and rows[1][0] == agency.name
    assert rows[4][:3] == ("STT", "Mã hiệu", "Tên tài liệu")
    assert [r[1] for r in rows[5:]] == ["CS-01", "QT-01", "QT-02"]
    assert rows[5][5] == "05/01/2026"
    word = docx.Document(io.BytesIO(services.export_in_force_docx(agency)))
    table = word.tables[0]
    assert [row.cells[1].text for row in table.rows] == ["Mã hiệu", "CS-01", "QT-01", "QT-02"]
    assert any("DANH MỤC TÀI LIỆU" in p.text for p in word.paragraphs)


def test_template_queryset_scoping_by_province(template, users):
    from documents.views import _templates_for

    assert list(_templates_for(users[Role.STAFF])) == [template]
    assert list(_templates_for(users["other_staff"])) == []
    assert QmsTemplate.objects.count() == 1


def test_template_document_form_reads_record_lines():
    from documents.forms import TemplateDocumentForm

    data = {
        "doc_type": "procedure",
        "code": "QT-01",
        "title": "Quy trình",
        "review_period_months": 12,
        "order": 1,
        "records_text": "Sổ theo dõi | Thư ký ISO | 36\n\n",
    }
    form = TemplateDocumentForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["records_text"] == [
        {"name": "Sổ theo dõi", "kept_by": "Thư ký ISO", "retention_months": 36}
    ]
    form = TemplateDocumentForm({**data, "records_text": "Sổ theo dõi | Thư ký ISO | ba năm"})
    assert not form.is_valid() and "Dòng 1" in form.errors["records_text"][0]
