import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.tests.test_archives import bomb, lying
from documents import files, services
from documents.models import Document, DocumentPreview, DocumentVersion

from .conftest import docx_upload, pdf_upload

pytestmark = pytest.mark.django_db


def test_docx_upload_is_stored_under_an_unguessable_name_with_its_text(make_document, settings):
    document = make_document(body="", upload=docx_upload(name="../../etc/Quy trình.docx"))
    version = document.versions.get()
    assert version.file_kind == "docx"
    assert version.original_name == "Quy trình.docx"
    name = Path(version.file.name)
    assert name.parts[0] == "documents" and len(name.stem) == 32 and name.suffix == ".docx"
    stored = (Path(settings.MEDIA_ROOT) / version.file.name).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) and stored.exists()
    assert "thống nhất cách soạn thảo" in version.text
    assert len(version.file_sha256) == 64
    assert "thong nhat cach soan thao" in Document.objects.get().search_text


def test_pdf_upload_is_checked_by_content_and_its_text_extracted(make_document):
    version = make_document(code="CS-01", doc_type="policy", body="", upload=pdf_upload()).versions.get()
    assert version.file_kind == "pdf"
    assert "minh bạch" in version.text


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("virus.docx", b"MZ\x90\x00 this is an exe", "không phải DOCX hoặc PDF"),
        ("anh.pdf", b"\x89PNG\r\n\x1a\n....", "không phải DOCX hoặc PDF"),
        ("hong.pdf", b"%PDF-1.7\n garbage without objects", "bị hỏng"),
        ("rong.docx", b"", "rỗng"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_saved(make_document, name, content, message, settings):
    with pytest.raises(ValidationError) as exc:
        make_document(upload=SimpleUploadedFile(name, content))
    assert message in exc.value.message_dict["file"][0]
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_zip_that_is_not_a_word_document_is_refused(make_document):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not word")
    with pytest.raises(ValidationError, match="không phải DOCX"):
        make_document(upload=SimpleUploadedFile("fake.docx", buffer.getvalue()))


def test_a_damaged_docx_is_refused(make_document):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<not-xml")
    with pytest.raises(ValidationError, match="bị hỏng"):
        make_document(upload=SimpleUploadedFile("hong.docx", buffer.getvalue()))


def test_the_size_limit_comes_from_settings(make_document, settings):
    settings.EISO = {**settings.EISO, "DOCUMENT_MAX_UPLOAD_MB": 0.001}
    with pytest.raises(ValidationError, match="quá lớn"):
        make_document(upload=docx_upload())
    assert not Document.objects.exists()


def test_a_failed_edit_keeps_the_previous_file(make_document, secretary):
    version = make_document(body="", upload=docx_upload()).versions.get()
    before = version.file.name
    with pytest.raises(ValidationError):
        services.update_draft(version, secretary, upload=SimpleUploadedFile("x.pdf", b"nope"))
    version.refresh_from_db()
    assert version.file.name == before and version.file_kind == "docx"


def test_rich_text_is_rendered_safely():
    html = files.render_body("# Mục đích\n<script>alert(1)</script> **đậm**\n\n- bước 1\n- bước 2\n\n1. một")
    assert "<h2>Mục đích</h2>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>đậm</strong>" in html and "<ul>" in html and "<ol>" in html


def test_converted_html_is_sanitized():
    dirty = (
        '<p onclick="x()">Hi<script>bad()</script><a href="javascript:alert(1)">a</a><a href="https://x.vn">b</a></p>'
    )
    clean = files.sanitize_html(dirty)
    assert clean == '<p>Hi<a>a</a><a href="https://x.vn" rel="noopener noreferrer">b</a></p>'


def test_docx_preview_is_html(make_document):
    version = make_document(body="", upload=docx_upload()).versions.get()
    with version.file.open("rb") as fh:
        preview = files.docx_preview(fh.read())
    assert "<h1>Quy trình kiểm soát tài liệu</h1>" in preview.html and not preview.truncated


def test_docx_text_keeps_tables_in_document_order():
    import docx

    document = docx.Document()
    document.add_paragraph("Trước bảng")
    table = document.add_table(rows=2, cols=2)
    for (row, col), text in {(0, 0): "Bước", (0, 1): "Thời hạn", (1, 0): "Tiếp nhận", (1, 1): "0,5 ngày"}.items():
        table.cell(row, col).text = text
    document.add_paragraph("Sau bảng")
    buffer = io.BytesIO()
    document.save(buffer)
    assert files.docx_text(buffer.getvalue()) == "Trước bảng\nBước | Thời hạn\nTiếp nhận | 0,5 ngày\nSau bảng"


def test_a_draft_can_drop_its_file_for_written_content(make_document, secretary):
    version = make_document(body="", upload=docx_upload()).versions.get()
    services.update_draft(version, secretary, remove_file=True, body="Nội dung soạn trực tiếp mới")
    version.refresh_from_db()
    assert not version.file and version.file_kind == "" and version.text == "Nội dung soạn trực tiếp mới"


def nothing_stored(settings):
    assert not Document.objects.exists() and not DocumentVersion.objects.exists()
    assert not DocumentPreview.objects.exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_a_docx_zip_bomb_is_refused_naming_the_limit_and_nothing_is_stored(make_document, settings, monkeypatch):
    """The issue's file: small, its document.xml inflating to 60 MB. Refused from the zip's directory: nothing is
    inflated, nothing converted."""
    from core import archives

    monkeypatch.setattr(archives, "iter_entry", lambda *a, **k: pytest.fail("inflated a refused upload"))
    data = bomb(60)
    with pytest.raises(ValidationError) as exc:
        make_document(body="", upload=SimpleUploadedFile("bom.docx", data))
    message = exc.value.message_dict["file"][0]
    assert "“bom.docx”" in message and "khi giải nén có dung lượng 60 MB, vượt giới hạn 50 MB" in message
    nothing_stored(settings)


def test_a_high_ratio_entry_is_refused(make_document, settings):
    with pytest.raises(ValidationError) as exc:
        make_document(body="", upload=SimpleUploadedFile("bom.docx", bomb(3)))
    message = exc.value.message_dict["file"][0]
    assert "word/document.xml" in message and "vượt giới hạn 100:1" in message and "bom nén" in message
    nothing_stored(settings)


def test_the_zip_limits_come_from_settings(make_document, settings):
    settings.EISO = {**settings.EISO, "ZIP_MAX_ENTRIES": 3}
    with pytest.raises(ValidationError, match="vượt giới hạn 3 thành phần"):
        make_document(body="", upload=docx_upload())
    settings.EISO = {**settings.EISO, "ZIP_MAX_ENTRIES": 10_000, "ZIP_MAX_UNCOMPRESSED_MB": 0.5}
    with pytest.raises(ValidationError, match="0,8 MB, vượt giới hạn 0,5 MB"):
        make_document(body="", upload=docx_upload())
    nothing_stored(settings)


def test_a_docx_whose_header_lies_about_its_size_is_refused_as_damaged(make_document, settings):
    data = lying(bomb(3), "word/document.xml", 4096)
    with pytest.raises(ValidationError) as exc:
        make_document(body="", upload=SimpleUploadedFile("noi-doi.docx", data))
    assert "bị hỏng" in exc.value.message_dict["file"][0]
    nothing_stored(settings)


def test_a_damaged_zip_is_refused_clearly(make_document, settings):
    with pytest.raises(ValidationError) as exc:
        make_document(body="", upload=SimpleUploadedFile("hong.docx", b"PK\x03\x04" + b"\x00" * 200))
    assert "bị hỏng" in exc.value.message_dict["file"][0] and "DOCX" in exc.value.message_dict["file"][0]
    nothing_stored(settings)


def test_the_form_shows_the_limit_and_stores_nothing(client_for, secretary, settings):
    from django.urls import reverse

    response = client_for(secretary).post(
        reverse("documents:document_create"),
        {
            "doc_type": "procedure",
            "code": "QT-BOM",
            "title": "Quy trình bom nén",
            "review_period_months": 12,
            "upload": SimpleUploadedFile("bom.docx", bomb(3)),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "bom nén" in " ".join(errors.get("upload", []) + errors.get("__all__", []))
    assert "bom nén" in response.content.decode()
    nothing_stored(settings)
