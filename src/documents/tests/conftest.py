import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.roles import Role
from documents import services
from documents.samples import make_docx, make_pdf


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def secretary(users):
    return users[Role.ISO_SECRETARY]


@pytest.fixture
def head(users):
    return users[Role.AGENCY_HEAD]


@pytest.fixture
def agency(province):
    return province["agencies"]["land"]


def docx_upload(
    name="quy-trinh.docx",
    title="Quy trình kiểm soát tài liệu",
    paragraphs=("Mục đích: thống nhất cách soạn thảo, phê duyệt và ban hành tài liệu.",),
):
    return SimpleUploadedFile(
        name,
        make_docx(title, list(paragraphs)),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


def pdf_upload(name="chinh-sach.pdf", title="Chính sách chất lượng", paragraphs=("Đất đai minh bạch, đúng hạn.",)):
    return SimpleUploadedFile(name, make_pdf(title, tuple(paragraphs)), content_type="application/pdf")


@pytest.fixture
def make_document(agency, secretary):
    def make(code="QT-01", title="Quy trình kiểm soát tài liệu", **kwargs):
        kwargs.setdefault("doc_type", "procedure")
        kwargs.setdefault("body", "# Mục đích\nKiểm soát tài liệu của cơ quan.")
        return services.create_document(
            agency=kwargs.pop("agency", agency), user=kwargs.pop("user", secretary), code=code, title=title, **kwargs
        )

    return make


@pytest.fixture
def issue(secretary, head):
    """Run a draft through the whole workflow to issued."""

    def run(version, effective_date=None):
        services.transition(version, secretary, "submit")
        services.transition(version, head, "review")  # not the drafter: separation of duties
        services.transition(version, head, "approve")
        return services.transition(version, head, "issue", effective_date=effective_date)

    return run


@pytest.fixture(autouse=True)
def _vietnamese():
    """Each test starts in Vietnamese (a request in English leaves its language active in the thread)."""
    from django.utils import translation

    translation.activate("vi")
    yield
    translation.activate("vi")
