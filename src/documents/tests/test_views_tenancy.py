import pytest
from django.urls import reverse

from accounts.roles import Role
from documents import services
from documents.models import Document

from .conftest import docx_upload, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(make_document, issue, secretary, users):
    document = make_document(code="QT-01", title="Quy trình kiểm soát tài liệu", body="", upload=pdf_upload())
    issue(document.versions.get())
    document.refresh_from_db()
    services.distribute(document.current_version, secretary, recipients=[users[Role.STAFF]])
    return document


def test_staff_of_another_province_gets_403_everywhere(client_for, users, issued):
    client = client_for(users["other_staff"])
    version = issued.current_version
    for url in [
        issued.get_absolute_url(),
        version.get_absolute_url(),
        reverse("documents:version_download", args=[version.pk]),
        reverse("documents:version_inline", args=[version.pk]),
        reverse("documents:version_preview", args=[version.pk]),
        reverse("documents:document_revise", args=[issued.pk]),
        f"{reverse('documents:in_force')}?agency={issued.agency_id}",
    ]:
        assert client.get(url).status_code == 403, url
    assert (
        client.post(
            reverse("documents:version_transition", args=[version.pk, "obsolete"]), {"comment": "x"}
        ).status_code
        == 403
    )
    assert client.post(reverse("documents:version_acknowledge", args=[version.pk])).status_code == 403
    listing = client.get(reverse("documents:document_list"))
    assert listing.status_code == 200 and "QT-01" not in listing.content.decode()
    api = client.get("/api/documents/documents/").json()
    assert api["count"] == 0
    assert client.get(f"/api/documents/documents/{issued.pk}/").status_code == 404


def test_staff_of_another_agency_in_the_same_province_is_kept_out(client_for, issued, province):
    from accounts.models import User

    neighbour = User.objects.create_user(
        "neighbour", password="x" * 12, role=Role.ISO_SECRETARY, agency=province["agencies"]["commune_a"]
    )
    client = client_for(neighbour)
    assert client.get(issued.get_absolute_url()).status_code == 403
    assert "QT-01" not in client.get(reverse("documents:document_list") + "?q=kiem+soat").content.decode()


def test_oversight_sees_the_province_read_only(client_for, users, issued):
    client = client_for(users[Role.OVERSIGHT])
    assert client.get(issued.get_absolute_url()).status_code == 200
    assert "QT-01" in client.get(reverse("documents:document_list")).content.decode()
    assert client.get(reverse("documents:document_revise", args=[issued.pk])).status_code == 403
    response = client.post(
        reverse("documents:version_transition", args=[issued.current_version.pk, "obsolete"]), {"comment": "x"}
    )
    assert response.status_code == 403
    assert client.get("/api/documents/documents/").json()["count"] == 1


def test_list_search_filters_and_api_search(client_for, users, issued, make_document):
    make_document(code="BM-01", title="Phiếu đề xuất", doc_type="form", body="Mẫu phiếu đề xuất.")
    client = client_for(users[Role.STAFF])
    html = client.get(reverse("documents:document_list") + "?q=kiem+soat+tai+lieu").content.decode()
    assert "QT-01" in html and "BM-01" not in html
    html = client.get(reverse("documents:document_list") + "?doc_type=form").content.decode()
    assert "BM-01" in html and "QT-01" not in html
    html = client.get(reverse("documents:document_list") + "?status=in_force").content.decode()
    assert "QT-01" in html and "BM-01" not in html
    data = client.get("/api/documents/documents/?q=phieu").json()
    assert [d["code"] for d in data["results"]] == ["BM-01"]


def test_pdf_preview_is_inline_same_origin_and_download_is_an_attachment(client_for, users, issued):
    client = client_for(users[Role.STAFF])
    version = issued.current_version
    page = client.get(version.get_absolute_url()).content.decode()
    assert reverse("documents:version_inline", args=[version.pk]) in page and "<iframe" in page
    inline = client.get(reverse("documents:version_inline", args=[version.pk]))
    assert inline["Content-Type"] == "application/pdf" and inline["X-Frame-Options"] == "SAMEORIGIN"
    assert inline["Content-Disposition"].startswith("inline")
    download = client.get(reverse("documents:version_download", args=[version.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content)[:5] == b"%PDF-"


def test_docx_preview_is_converted(client_for, users, make_document):
    document = make_document(code="QT-07", body="", upload=docx_upload())
    html = client_for(users[Role.ISO_SECRETARY]).get(document.versions.get().get_absolute_url()).content.decode()
    assert "<h1>Quy trình kiểm soát tài liệu</h1>" in html


def test_create_through_the_form_reports_errors_in_vietnamese(client_for, users, make_document):
    make_document(code="QT-01")
    client = client_for(users[Role.ISO_SECRETARY])
    response = client.post(
        reverse("documents:document_create"),
        {"doc_type": "procedure", "code": "QT-01", "title": "Trùng mã", "review_period_months": 12, "body": "x"},
    )
    assert response.status_code == 200 and "đã được dùng" in response.content.decode()
    response = client.post(
        reverse("documents:document_create"),
        {
            "doc_type": "procedure",
            "code": "QT-02",
            "title": "Tệp giả",
            "review_period_months": 12,
            "upload": pdf_upload(name="gia.pdf").__class__("gia.pdf", b"not a pdf"),
        },
    )
    assert "không phải DOCX hoặc PDF" in response.content.decode()
    assert Document.objects.count() == 1
    response = client.post(
        reverse("documents:document_create"),
        {
            "doc_type": "procedure",
            "code": "QT-02",
            "title": "Quy trình tiếp nhận hồ sơ",
            "review_period_months": 12,
            "body": "# Mục đích\nTiếp nhận đúng hạn.",
        },
    )
    assert response.status_code == 302 and Document.objects.filter(code="QT-02").exists()


def test_staff_cannot_create_and_secretary_cannot_approve(client_for, users, make_document, secretary, head):
    assert client_for(users[Role.STAFF]).get(reverse("documents:document_create")).status_code == 403
    version = make_document().versions.get()
    services.transition(version, secretary, "submit")
    services.transition(version, head, "review")
    client = client_for(secretary)
    client.post(reverse("documents:version_transition", args=[version.pk, "approve"]))
    version.refresh_from_db()
    assert version.status == "reviewed"


def test_pages_render_for_every_role(client_for, users, issued):
    pages = [
        "documents:document_list",
        "documents:in_force",
        "documents:needs_review",
        "documents:records",
        "documents:template_list",
        "documents:my_reading",
        "documents:notifications",
        "core:home",
    ]
    for role in Role:
        client = client_for(users[role])
        for name in pages:
            assert client.get(reverse(name)).status_code == 200, (role, name)


def test_exports_download(client_for, users, issued):
    client = client_for(users[Role.AGENCY_HEAD])
    url = reverse("documents:in_force")
    xlsx = client.get(url + f"?agency={issued.agency_id}&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    docx = client.get(url + f"?agency={issued.agency_id}&format=docx")
    assert docx["Content-Disposition"].endswith('.docx"') and docx.content[:2] == b"PK"


def test_english_translation(client_for, users, issued):
    client = client_for(users[Role.STAFF])
    client.cookies["django_language"] = "en"
    html = client.get(issued.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Change log" in html and "Bảng theo dõi sửa đổi" not in html


def test_records_and_templates_are_scoped(client_for, users, issued, province, kinds, secretary):
    services.create_record_type(
        user=secretary,
        document=issued,
        name="Sổ theo dõi hồ sơ đất đai",
        kept_by="Bộ phận một cửa",
        retention_months=60,
    )
    template = services.create_template(
        user=users[Role.OVERSIGHT], province=province["province"], kind=kinds["department"], name="Mô hình cấp Sở"
    )
    other = client_for(users["other_staff"])
    assert "Sổ theo dõi hồ sơ đất đai" not in other.get(reverse("documents:records")).content.decode()
    assert other.get(template.get_absolute_url()).status_code == 403
    assert "Mô hình cấp Sở" not in other.get(reverse("documents:template_list")).content.decode()
    own = client_for(users[Role.STAFF])
    assert "Sổ theo dõi hồ sơ đất đai" in own.get(reverse("documents:records")).content.decode()
    assert own.get(template.get_absolute_url()).status_code == 200
    # a secretary cannot build another agency's QMS through the form
    response = client_for(secretary).post(
        reverse("documents:template_instantiate", args=[template.pk]), {"agency": province["agencies"]["commune_a"].pk}
    )
    assert response.status_code == 403
