"""DOCX previews: rendered once in the background and stored, served by the page without converting, bounded, a
failure stored and shown. Found by a new user: every view of a version re-converted its DOCX (82 s, a 25.7 MB
page)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.tasks import default_task_backend
from django.urls import reverse
from django.utils import timezone

from documents import files, services
from documents.models import DocumentPreview
from documents.samples import make_docx

from .conftest import docx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversions(monkeypatch):
    """Every call of the DOCX converter (the real one runs)."""
    calls = []
    real = files.docx_preview

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(files, "docx_preview", counting)
    return calls


def create_through_the_form(client, upload, code="QT-01"):
    response = client.post(
        reverse("documents:document_create"),
        {"doc_type": "procedure", "code": code, "title": "Quy trình thử", "review_period_months": 12, "upload": upload},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    from documents.models import Document

    return Document.objects.get(code=code).versions.get()


def test_an_uploaded_docx_is_converted_once_and_the_page_never_converts(client_for, secretary, conversions):
    client = client_for(secretary)
    version = create_through_the_form(client, docx_upload())
    assert len(conversions) == 1  # the task ran (the test backend runs tasks at once)
    preview = DocumentPreview.objects.get(version=version)
    assert preview.status == "ready" and preview.attempts == 1 and preview.file_sha256 == version.file_sha256
    for _ in range(3):
        page = client.get(version.get_absolute_url()).content.decode()
        assert "<h1>Quy trình kiểm soát tài liệu</h1>" in page
        assert 'data-status="ready"' in page and "hx-trigger" not in page
    assert len(conversions) == 1


def test_while_the_preview_is_prepared_the_page_says_so_and_polls_until_it_is_ready(
    client_for, secretary, conversions, settings
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}  # a worker not yet run
    client = client_for(secretary)
    version = create_through_the_form(client, docx_upload())
    page = client.get(version.get_absolute_url()).content.decode()
    poll = reverse("documents:version_preview", args=[version.pk])
    assert "Bản xem trước đang được chuẩn bị" in page and f'hx-get="{poll}"' in page and "every 2s" in page
    client.get(poll, headers={"HX-Request": "true"})
    assert [r.args for r in default_task_backend.results] == [[version.pk]]  # enqueued once, not on every poll
    assert conversions == []

    services.render_preview(version.pk)  # what the worker does
    fragment = client.get(poll, headers={"HX-Request": "true"}).content.decode()
    assert "<h1>Quy trình kiểm soát tài liệu</h1>" in fragment and "hx-trigger" not in fragment  # polling stops
    assert len(conversions) == 1


def test_a_failed_conversion_is_stored_shown_and_not_retried(client_for, secretary, monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(args)
        raise RuntimeError("mammoth gave up")

    monkeypatch.setattr(files, "docx_preview", broken)
    client = client_for(secretary)
    version = create_through_the_form(client, docx_upload())
    for _ in range(2):
        page = client.get(version.get_absolute_url()).content.decode()
        assert "Không tạo được bản xem trước của tệp" in page and "Lỗi khi tạo bản xem trước (RuntimeError)" in page
        assert reverse("documents:version_download", args=[version.pk]) in page and "hx-trigger" not in page
    assert len(calls) == 1
    assert DocumentPreview.objects.get(version=version).status == "failed"


def test_a_file_stored_before_the_limits_existed_is_not_converted(make_document, conversions):
    from core.tests.test_archives import bomb

    version = make_document(body="", upload=docx_upload()).versions.get()
    with version.file.open("wb") as handle:  # a bomb accepted by an earlier version of eISO
        handle.write(bomb(3))
    preview = services.render_preview(version.pk)
    assert preview.status == "failed" and "bom nén" in preview.error and preview.html == ""


def test_a_render_lost_with_its_worker_is_requested_again_a_few_times_then_fails(make_document):
    version = make_document(body="", upload=docx_upload()).versions.get()
    assert services.request_preview(version) is True
    assert services.request_preview(version) is False  # on its way
    preview = DocumentPreview.objects.get(version=version)
    for attempt in (1, 2, 3):
        DocumentPreview.objects.filter(pk=preview.pk).update(
            requested_at=timezone.now() - dt.timedelta(hours=1), attempts=attempt
        )
        assert services.request_preview(version) is (attempt < 3)
    preview.refresh_from_db()
    assert preview.status == "failed" and "sau 3 lần thử" in preview.error
    assert services.request_preview(version) is False


def long_docx(paragraphs):
    return SimpleUploadedFile("dai.docx", make_docx("Tài liệu dài", paragraphs))


def test_the_preview_of_a_long_document_is_bounded_with_a_note_and_a_download_link(client_for, secretary, settings):
    settings.EISO = {**settings.EISO, "DOCUMENT_PREVIEW_MAX_CHARS": 500}
    client = client_for(secretary)
    paragraphs = [f"Đoạn {i:03d}: " + "nội dung quy trình " * 3 for i in range(300)]
    version = create_through_the_form(client, long_docx(paragraphs))
    preview = DocumentPreview.objects.get(version=version)
    assert preview.truncated and preview.shown_chars == 500
    assert "Đoạn 000" in preview.html and "Đoạn 299" not in preview.html
    page = client.get(version.get_absolute_url()).content.decode()
    assert "Bản xem trước chỉ hiển thị 500 ký tự đầu của tài liệu; tải tệp gốc để xem đầy đủ." in page
    assert reverse("documents:version_download", args=[version.pk]) in page


def test_one_huge_paragraph_is_cut_inside():
    preview = files.docx_preview(make_docx("Một đoạn", ["chữ " * 50_000]), max_chars=1000)
    assert preview.truncated and preview.shown_chars == 1000 and len(preview.html) < 1200


def test_a_short_document_is_whole_and_written_content_is_bounded_too(make_document, client_for, secretary, settings):
    assert not files.docx_preview(make_docx("Ngắn", ["Một đoạn."])).truncated
    settings.EISO = {**settings.EISO, "DOCUMENT_PREVIEW_MAX_CHARS": 100}
    version = make_document(body="# Mục đích\n" + "Nội dung soạn trực tiếp. " * 50).versions.get()
    page = client_for(secretary).get(version.get_absolute_url()).content.decode()
    assert "<h2>Mục đích</h2>" in page and "Bản xem trước chỉ hiển thị 100 ký tự đầu" in page


def test_images_are_embedded_within_their_budget(settings):
    import docx
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (40, 40), "red").save(png, "PNG")
    document = docx.Document()
    document.add_paragraph("Sơ đồ quy trình")
    document.add_picture(io.BytesIO(png.getvalue()))
    data = io.BytesIO()
    document.save(data)
    assert 'src="data:image/png;base64,' in files.docx_preview(data.getvalue()).html
    without = files.docx_preview(data.getvalue(), max_image_bytes=10).html
    assert "<img" not in without and "[Hình ảnh: xem trong tệp gốc]" in without


def test_a_revision_keeps_the_preview_of_the_same_file_and_a_new_upload_gets_its_own(
    make_document, issue, secretary, client_for, conversions
):
    client = client_for(secretary)
    first = create_through_the_form(client, docx_upload())
    issue(first)
    draft = services.revise(first.document, secretary, change_summary="Sửa đổi lần 2")
    assert DocumentPreview.objects.get(version=draft).html == DocumentPreview.objects.get(version=first).html
    assert len(conversions) == 1
    response = client.post(
        reverse("documents:version_edit", args=[draft.pk]),
        {
            "doc_type": "procedure",
            "code": "QT-01",
            "title": "Quy trình thử",
            "review_period_months": 12,
            "change_summary": "Sửa đổi lần 2",
            "upload": SimpleUploadedFile("lan-2.docx", make_docx("Quy trình lần 2", ["Nội dung mới."])),
        },
    )
    assert response.status_code == 302
    assert len(conversions) == 2
    assert "<h1>Quy trình lần 2</h1>" in DocumentPreview.objects.get(version=draft).html
    assert "<h1>Quy trình kiểm soát tài liệu</h1>" in DocumentPreview.objects.get(version=first).html


def test_existing_versions_get_their_previews_from_the_command(make_document, conversions, tmp_path):
    versions = [make_document(code=f"QT-0{i}", body="", upload=docx_upload()).versions.get() for i in (1, 2)]
    make_document(code="QT-03")  # written content: nothing to convert
    assert not DocumentPreview.objects.exists()  # created by the service alone, no task enqueued
    out = io.StringIO()
    call_command("render_previews", stdout=out)
    assert "Rendered 2" in out.getvalue()
    assert set(DocumentPreview.objects.filter(status="ready").values_list("version", flat=True)) == {
        v.pk for v in versions
    }
    call_command("render_previews", stdout=out)
    assert "Rendered 0" in out.getvalue() and len(conversions) == 2
