import pytest
from django.db import connection

from documents import search, services
from documents.models import Document

from .conftest import docx_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(make_document, issue):
    a = make_document(
        code="QT-DD-01",
        title="Quy trình đăng ký đất đai lần đầu",
        body="Tiếp nhận hồ sơ cấp Giấy chứng nhận quyền sử dụng đất.",
    )
    b = make_document(
        code="QT-02",
        title="Quy trình kiểm soát hồ sơ",
        body="",
        upload=docx_upload(paragraphs=("Lưu trữ hồ sơ điện tử theo thời hạn bảo quản.",)),
    )
    c = make_document(code="BM-01", title="Phiếu theo dõi sửa đổi", doc_type="form", body="Mẫu phiếu.")
    issue(a.versions.get())
    return a, b, c


def found(text, qs=None):
    return set(search.search(qs if qs is not None else Document.objects.all(), text).values_list("code", flat=True))


def test_search_is_diacritic_insensitive_over_titles(corpus):
    assert found("dat dai") == {"QT-DD-01"}
    assert found("Đất Đai") == {"QT-DD-01"}
    assert found("DANG KY dat") == {"QT-DD-01"}


def test_search_finds_words_inside_extracted_file_content(corpus):
    assert found("thoi han bao quan") == {"QT-02"}
    assert found("giấy chứng nhận") == {"QT-DD-01"}


def test_search_matches_a_prefix_of_the_last_word_and_codes(corpus):
    assert found("kiem soat ho s") == {"QT-02"}
    assert found("bm 01") == {"BM-01"}
    assert found("ho so") == {"QT-DD-01", "QT-02"}


def test_search_combines_with_filters_and_ignores_punctuation(corpus):
    assert found("ho so", Document.objects.filter(status="in_force")) == {"QT-DD-01"}
    assert found("'\" OR 1=1 --") == set()
    assert found("   ") == {"QT-DD-01", "QT-02", "BM-01"}  # no words: no restriction


def test_index_follows_edits_and_revisions(corpus, secretary, issue):
    a, _, _ = corpus
    draft = services.revise(a, secretary, change_summary="Đổi tên")
    services.update_draft(draft, secretary, title="Quy trình cấp sổ hồng")
    a.refresh_from_db()
    # the title lives on the document, so it is searchable at once; content follows the current version
    assert found("cap so hong") == {"QT-DD-01"}
    issue(draft)
    assert found("cap so hong") == {"QT-DD-01"}
    assert found("giay chung nhan") == {"QT-DD-01"}  # body carried into the revision


def test_backend_specific_index_exists():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'documents_document_fts'")
            assert "gin" in cursor.fetchone()[0].lower()
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'documents_fts'")
            assert "fts5" in cursor.fetchone()[0].lower()
